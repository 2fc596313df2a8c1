from django import forms
from django.utils.translation import gettext_lazy as _

from digital_engineer.models import CityPlan, CityPlanTarget, Standard, TrainingClass
from portal.forms import BaseInlineFormSet, BaseModelFormSet, DateInput, NameField, YearField


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


class RecordForm(forms.Form):
    """A trainee's attended hours and exam scores as typed on the class page: whole
    numbers, or empty (no hours attended; an exam not yet taken). Their ranges are
    the programme's rules, checked by services.trainee_record."""

    theory_attended = forms.IntegerField(label=_("Theory hours attended"), required=False)
    practice_attended = forms.IntegerField(label=_("Practice hours attended"), required=False)
    theory_score = forms.IntegerField(label=_("Theory score"), required=False)
    practice_score = forms.IntegerField(label=_("Practice score"), required=False)

    def clean(self):
        data = super().clean()
        for name in ("theory_attended", "practice_attended"):
            if name in data and data[name] is None:
                data[name] = 0
        return data


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Training summary"), widget=forms.Textarea(attrs={"rows": 4}))


class CityPlanForm(forms.ModelForm):
    """A city's yearly plan (its targets are target_formset); one plan per city and
    year, checked here against the plan's city (`instance.city`)."""

    year = YearField(required=True)

    class Meta:
        model = CityPlan
        fields = ["year", "groups"]
        widgets = {"groups": forms.Textarea(attrs={"rows": 2})}

    def clean_year(self):
        year = self.cleaned_data["year"]
        others = CityPlan.objects.filter(city_id=self.instance.city_id, year=year)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Your city has a plan for this year already."))
        return year


def target_formset():
    """The formset class of a city plan's targets (direction, level, trainees)."""
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
    """The formset class of the subsidy standards (hours and subsidy of each)."""
    return forms.modelformset_factory(
        Standard, form=StandardForm, formset=BaseModelFormSet, extra=0
    )
