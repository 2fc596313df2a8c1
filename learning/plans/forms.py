from django import forms
from django.utils.translation import gettext_lazy as _

from learning.plans.models import PLAN_SECTIONS, PlanItem, ProfessionalPlan
from learning.plans.services import sanitize
from portal.forms import BaseInlineFormSet, YearField


class PlanForm(forms.ModelForm):
    """A plan's draft. The authority is the instance's (set by the view, not the form);
    an authority has one plan a year."""

    year = YearField(required=True)

    class Meta:
        model = ProfessionalPlan
        fields = [
            "year",
            "title",
            "guiding",
            "audience",
            "forms",
            "channels",
            "recognition",
            "organisation",
            "contacts",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("guiding", "audience", "forms", "channels", "recognition")
        } | {name: forms.Textarea(attrs={"rows": 2}) for name in ("organisation", "contacts")}

    def clean_year(self):
        year = self.cleaned_data["year"]
        taken = ProfessionalPlan.objects.filter(authority_id=self.instance.authority_id, year=year)
        if year and taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Your authority has a plan for this year already."))
        return year

    def clean(self):
        cleaned = super().clean()
        for name, _label in PLAN_SECTIONS:
            cleaned[name] = sanitize(cleaned.get(name, ""))
        return cleaned


PlanItemFormSet = forms.inlineformset_factory(
    ProfessionalPlan,
    PlanItem,
    formset=BaseInlineFormSet,
    fields=["topic", "course", "hours", "mode", "order"],
    extra=3,
    can_delete=True,
)
