"""Django's minimum-length message changed wording in 5.x and its zh_Hans catalogue has
no translation for the new one, so users saw it in English; this says it in our own."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return _("This password is too short: it needs at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
