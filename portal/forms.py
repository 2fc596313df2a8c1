from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.identity import normalize_id_number, validate_id_number


class LoginForm(AuthenticationForm):
    """Log in with an ID-card number or an 11-digit mobile phone number."""

    username = forms.CharField(
        label=_("ID card number or mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "The ID card number (or mobile phone) and password do not match an account. "
            "Please try again."
        ),
        "inactive": _("This account has been disabled. Please contact your unit's HR office."),
    }

    def clean_username(self):
        login = normalize_id_number(self.cleaned_data["username"])
        if len(login) == 11 and login.isdigit():
            return login
        if len(login) in (15, 16, 17, 18, 19):
            # Looks like an ID number: say exactly what is wrong with it.
            return validate_id_number(login)
        raise forms.ValidationError(
            _("Enter an 18-character ID card number or an 11-digit mobile phone number."),
            code="login_format",
        )


class SwitchRoleForm(forms.Form):
    membership = forms.IntegerField()
