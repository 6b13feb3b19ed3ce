"""The one-time token of a form that creates a record (see audit.submissions)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from audit.submissions import FIELD, new_token

register = template.Library()


@register.simple_tag
def submission_token() -> SafeString:
    """A hidden field with a fresh token: nothing is written until the form is sent."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
