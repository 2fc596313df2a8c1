"""The form of a registration check (certificates.registration_checks): the
registration kind (required), an optional purpose, and the list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import RegistrationCheck
from certificates.registration_checks import kind_required_message
from portal.forms import XlsxUploadForm


class RegistrationCheckForm(XlsxUploadForm):
    kind = forms.CharField(
        label=_("Registration kind"),
        max_length=RegistrationCheck._meta.get_field("kind").max_length,
        help_text=_("The qualification the people listed apply to register, e.g. 执业药师注册."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=RegistrationCheck._meta.get_field("purpose").max_length,
        required=False,
        help_text=_("Optional, e.g. the batch of applications: 2026年第二批注册申请."),
    )

    field_order = ["kind", "purpose", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = kind_required_message()
