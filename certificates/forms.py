from django import forms
from django.utils.translation import gettext_lazy as _

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
    city = forms.IntegerField(label=_("City"), required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(forms.Form):
    serial = SerialField(label=_("Certificate number"), max_length=20)
    name = NameField(label=_("Name"))


class SearchForm(forms.Form):
    q = SerialField(label=_("Certificate number or ID card number"), max_length=30)
