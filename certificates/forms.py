from django import forms
from django.utils.translation import gettext_lazy as _

from credits.forms import rule_years


class YearChoiceForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=rule_years)


class BatchForm(YearChoiceForm):
    city = forms.IntegerField(label=_("City"), required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(forms.Form):
    serial = forms.CharField(label=_("Certificate number"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=50)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Certificate number or ID card number"), max_length=20)
