from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.identity import normalize_id_number, validate_id_number
from portal.uploads import check_xlsx_file


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


class ResetRequestForm(forms.Form):
    id_number = forms.CharField(label=_("ID card number"), max_length=20)
    contact = forms.CharField(label=_("Registered mobile phone or e-mail"), max_length=254)

    def clean_id_number(self):
        return validate_id_number(normalize_id_number(self.cleaned_data["id_number"]))


class ResetConfirmForm(ResetRequestForm):
    contact = None
    code = forms.CharField(label=_("Code"), max_length=6, min_length=6)
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second:
            if first != second:
                self.add_error("new_password2", _("The two passwords differ."))
            else:
                try:
                    password_validation.validate_password(first)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_xlsx_file(upload)
        return upload
