from django import forms
from django.utils.translation import gettext_lazy as _

from digital_engineer.models import CityPlan, CityPlanTarget, Standard, TrainingClass
from portal.forms import BaseInlineFormSet, BaseModelFormSet, DateInput, NameField


class ClassForm(forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "name",
            "direction",
            "level",
            "kind",
            "target_group",
            "partner",
            "city",
            "starts_on",
            "ends_on",
            "theory_hours",
            "practice_hours",
            "online_percent",
            "capacity",
        ]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}


class EnrolForm(forms.Form):
    # Checked (and normalised) by trainee_enrol, which says what is wrong with it; room
    # for the spaces and full-width characters people type.
    id_number = forms.CharField(label=_("ID card number"), max_length=30)
    # Required for everyone: an existing account is enrolled only when the name
    # matches, so that an ID number alone never turns into a name.
    real_name = NameField(label=_("Name (as on the ID card)"))


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Training summary"), widget=forms.Textarea(attrs={"rows": 4}))


class CityPlanForm(forms.ModelForm):
    class Meta:
        model = CityPlan
        fields = ["year", "groups"]
        widgets = {"groups": forms.Textarea(attrs={"rows": 2})}


def target_formset():
    return forms.inlineformset_factory(
        CityPlan,
        CityPlanTarget,
        formset=BaseInlineFormSet,
        fields=["direction", "level", "target"],
        extra=3,
        can_delete=True,
    )


class StandardForm(forms.ModelForm):
    training_hours = forms.IntegerField(label=_("training hours"), min_value=1, max_value=2000)
    subsidy = forms.DecimalField(
        label=_("subsidy per trainee"), min_value=0, max_digits=8, decimal_places=2
    )

    class Meta:
        model = Standard
        fields = ["training_hours", "subsidy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"


def standard_formset():
    return forms.modelformset_factory(
        Standard, form=StandardForm, formset=BaseModelFormSet, extra=0
    )
