from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credits.models import Category
from learning.models import Course, Platform, PlatformRecord, Topic
from portal.identity import validate_id_number
from portal.models import User


class ImportForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.all())
    file = forms.FileField(label=_("Export file (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Only .xlsx and .csv files are accepted."))
        return upload


class RecordFilterForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.all(), required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("all")), *PlatformRecord.Outcome.choices, ("pending", _("pending"))],
    )


class ReprocessForm(forms.Form):
    id_number = forms.CharField(
        label=_("Match to the person with ID card number"),
        required=False,
        max_length=18,
        help_text=_("Leave empty to match by the record's own ID number."),
    )

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not value:
            return ""
        number = validate_id_number(value)
        if not User.objects.filter(id_number=number, profile__isnull=False).exists():
            raise ValidationError(_("No professional has this ID card number."))
        return number

    def clean(self):
        cleaned = super().clean()
        cleaned["person"] = (
            User.objects.get(id_number=cleaned["id_number"]) if cleaned.get("id_number") else None
        )
        return cleaned


class CatalogFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("all")), *Category.choices]
    )
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.all(), required=False, empty_label=_("all")
    )
    channel = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("all")), *Course.Channel.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name in ("category", "topic", "channel") else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"
