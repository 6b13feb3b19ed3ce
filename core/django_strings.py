"""Django's own UI strings that its bokmål catalogue does not translate yet; ours does.

Listed here so that makemessages keeps them in locale/nb (LOCALE_PATHS take
precedence over Django's catalogue). Remove an entry when Django ships it.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS_MISSING_IN_NB = [
    gettext_noop("- Select an option -"),  # the empty choice of every select (Django 6)
]
