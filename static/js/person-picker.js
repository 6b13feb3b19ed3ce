// The person picker (families/picker.py): Enter in its search box searches at once
// instead of submitting the form the picker is part of.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("[data-person-picker-query]")) {
    event.preventDefault();
    event.target.dispatchEvent(new Event("search"));
  }
});
