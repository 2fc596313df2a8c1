from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credits.eligibility import EARLIEST_YEAR, check_period
from credits.models import ActivityKind, YearRule
from credits.selectors import StaffStatus
from portal.forms import DateInput
from portal.models import TitleLevel, TitleSeries
from portal.uploads import EVIDENCE_KINDS, check_file_content

MAX_EVIDENCE_FILES = 5


def rule_years() -> list[tuple[int, str]]:
    return [(y, f"{y}") for y in YearRule.objects.order_by("-year").values_list("year", flat=True)]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class DeclarationForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Activity"), queryset=ActivityKind.objects.filter(active=True)
    )
    occurred_on = forms.DateField(label=_("Date of the activity"), widget=DateInput)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=1,
        initial=1,
        help_text=_("Days, conferences, papers, courses, taught hours or projects."),
    )
    with_bonus = forms.BooleanField(
        label=_("A paper was presented (where the activity gives extra hours for it)"),
        required=False,
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Name, organiser, place and content of the activity."),
    )
    evidence = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, JPG or PNG, at most 10 MB each, at most 5 files."),
    )

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date may not be in the future."))
        if not YearRule.objects.filter(year=day.year).exists():
            raise ValidationError(_("There is no rule for the year %(year)s.") % {"year": day.year})
        return day

    def clean_evidence(self):
        files = self.cleaned_data.get("evidence") or []
        if len(files) > MAX_EVIDENCE_FILES:
            raise ValidationError(_("At most %(max)s files.") % {"max": MAX_EVIDENCE_FILES})
        checked, errors = [], []
        for upload in files:
            try:
                kind = check_file_content(
                    upload, kinds=EVIDENCE_KINDS, max_bytes=settings.EVIDENCE_MAX_BYTES
                )
                checked.append((upload, kind.content_type))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and kind.evidence_required and "evidence" in cleaned and not cleaned["evidence"]:
            self.add_error("evidence", _("This activity needs at least one evidence file."))
        return cleaned


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("approve")), ("reject", _("reject"))],
        widget=forms.RadioSelect,
    )
    hours = forms.DecimalField(
        label=_("Hours approved"), required=False, max_digits=6, decimal_places=1
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting; the professional sees it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "approve" and cleaned.get("hours") is None:
            self.add_error("hours", _("Enter the hours to credit."))
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reason for the rejection."))
        return cleaned


class ReversalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=rule_years)


class ReportYearForm(forms.Form):
    """The year of a report request: a year that has a rule (as its text: "２０２４"
    or "2024.0" is no choice)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=rule_years)


class StaffFilterForm(YearForm):
    status = forms.ChoiceField(label=_("Status"), choices=StaffStatus.choices, required=False)
    series = forms.ChoiceField(
        label=_("Title series"),
        choices=[("", _("all")), *TitleSeries.choices],
        required=False,
    )
    level = forms.ChoiceField(
        label=_("Title level"), choices=[("", _("all")), *TitleLevel.choices], required=False
    )
    q = forms.CharField(label=_("Name or ID card number"), required=False, max_length=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"


class PeriodForm(forms.Form):
    start_year = forms.IntegerField(label=_("From year"), min_value=EARLIEST_YEAR, max_value=2100)
    end_year = forms.IntegerField(label=_("To year"), min_value=EARLIEST_YEAR, max_value=2100)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_year") is not None and cleaned.get("end_year") is not None:
            check_period(cleaned["start_year"], cleaned["end_year"])
        return cleaned
