from django import forms
from django.utils.translation import gettext_lazy as _


class NominationForm(forms.Form):
    """The year a teacher puts her course forward for (empty: the default year)."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=1000, max_value=9999)
