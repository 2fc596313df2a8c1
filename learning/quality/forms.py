from django import forms


class NominationForm(forms.Form):
    """The year a teacher puts her course forward for (empty: the default year)."""

    year = forms.IntegerField(required=False, min_value=1000, max_value=9999)
