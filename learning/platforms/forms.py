from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learning.platforms.imports import IMPORT_SPEC
from learning.platforms.models import Platform, PlatformRecord
from portal.forms import IdNumberField, YearField
from portal.models import User
from portal.tabular import TableError, check_upload


class ImportForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.all())
    file = forms.FileField(label=_("Export file (.xlsx, .xls or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload, IMPORT_SPEC.max_bytes)
        except TableError as error:
            raise ValidationError(str(error)) from None
        return upload


class RecordFilterForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.all(), required=False
    )
    year = YearField()
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("all")), *PlatformRecord.Outcome.choices, ("pending", _("pending"))],
    )


class ReprocessForm(forms.Form):
    id_number = IdNumberField(
        label=_("Match to the person with ID card number"),
        required=False,
        help_text=_("Leave empty to match by the record's own ID number."),
    )

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        if not number:
            return ""
        if not User.objects.professionals().filter(id_number=number).exists():
            raise ValidationError(_("No professional has this ID card number."))
        return number

    def clean(self):
        cleaned = super().clean()
        cleaned["person"] = (
            User.objects.get(id_number=cleaned["id_number"]) if cleaned.get("id_number") else None
        )
        return cleaned
