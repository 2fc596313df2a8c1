from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import RevocationCategory
from credits.forms import rule_years
from portal.forms import NameField
from portal.identity import normalize_id_number


class SerialField(forms.CharField):
    """A certificate number or an ID-card number as typed: full width folded, no
    spaces or invisible characters, upper case."""

    def to_python(self, value):
        return normalize_id_number(super().to_python(value))


class YearChoiceForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=rule_years)


class BatchForm(YearChoiceForm):
    # A city's id as posted, read by selectors.batch_scope_for (portal.http.pk_or_404:
    # "²", "１" or a 20-digit number names no city).
    city = forms.CharField(label=_("City"), required=False, max_length=20)
    # A range of years, from `year` to `end_year`; empty: the one year.
    end_year = forms.TypedChoiceField(
        label=_("To year"), coerce=int, choices=rule_years, required=False, empty_value=None
    )


def _strict_year_choices(years) -> list[tuple[int, str]]:
    """Choices compare the submitted text with "2023" as written, so that letters,
    full-width or other non-ASCII digits ("２０２３", "٢٠٢٣") and huge numbers are
    refused, where an IntegerField would read some of them as numbers."""
    return [(year, str(year)) for year in years]


class PastYearForm(forms.Form):
    """A finished year whose certificate the professional asks for."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, **kwargs):
        from certificates.past_years import past_year_range_message, requestable_years

        super().__init__(*args, **kwargs)
        years = requestable_years()
        self.fields["year"].choices = _strict_year_choices(years)
        self.fields["year"].error_messages["invalid_choice"] = past_year_range_message(years)


class StatementForm(forms.Form):
    """The review period a statement covers."""

    start_year = forms.TypedChoiceField(label=_("From year"), coerce=int)
    end_year = forms.TypedChoiceField(label=_("To year"), coerce=int)

    def __init__(self, *args, **kwargs):
        from django.utils import timezone

        from credits.eligibility import EARLIEST_YEAR, period_range_message

        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        message = period_range_message()
        for name in ("start_year", "end_year"):
            self.fields[name].choices = _strict_year_choices(range(EARLIEST_YEAR, this_year + 1))
            self.fields[name].error_messages["invalid_choice"] = message


class TitleDocumentForm(forms.Form):
    """The years of her certificates a professional puts into one document."""

    years = forms.TypedMultipleChoiceField(
        label=_("Years"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, certificates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["years"].choices = [
            (c.year, _("%(year)s (certificate %(serial)s)") % {"year": c.year, "serial": c.serial})
            for c in certificates
        ]
        self.fields["years"].error_messages.update(
            required=_("Choose at least one year."),
            invalid_choice=_("Only years for which you hold a valid certificate can be chosen."),
        )


class RevokeForm(forms.Form):
    """The revoking HR chooses the reason's category (what the public reads) and
    writes the reason itself (for the records)."""

    category = forms.ChoiceField(
        label=_("Revocation category"),
        choices=[("", "---------"), *RevocationCategory.choices],
        error_messages={
            "required": _("Choose the category of the reason for revocation."),
            "invalid_choice": _("Choose the category of the reason for revocation."),
        },
        help_text=_("Shown on the verification page and in the check of the file."),
    )
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the records; not shown to the public."),
    )


class VerifyForm(forms.Form):
    serial = SerialField(label=_("Certificate number"), max_length=20)
    name = NameField(label=_("Name"))


class SearchForm(forms.Form):
    q = SerialField(label=_("Certificate number or ID card number"), max_length=30)
