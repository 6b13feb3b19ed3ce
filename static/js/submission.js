// One save per form (audit.submissions): a form page reached again with the browser's Back
// button is drawn anew by the server, with a fresh token. The token this history entry
// already sent is kept in the entry's own state and put back, so that sending the form
// again is recognised as the same sending, not saved twice.
(function () {
  "use strict";
  var FIELD = "submission_token";

  function key(form) {
    return new URL(form.getAttribute("action") || "", window.location.href).pathname;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var input = form instanceof HTMLFormElement ? form.elements.namedItem(FIELD) : null;
      if (!input || !input.value) {
        return;
      }
      var state = Object.assign({}, window.history.state);
      state.huskSent = Object.assign({}, state.huskSent);
      state.huskSent[key(form)] = input.value;
      window.history.replaceState(state, "");
    },
    true,
  );

  function restore() {
    var sent = (window.history.state && window.history.state.huskSent) || {};
    document.querySelectorAll("input[name='" + FIELD + "']").forEach(function (input) {
      if (input.form && sent[key(input.form)]) {
        input.value = sent[key(input.form)];
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
