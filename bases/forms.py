from django import forms
from django.utils.translation import gettext_lazy as _

from bases.models import Training
from bases.services import Proposal
from credits.models import Category
from portal.forms import DateInput, PkChoiceField, YearField
from portal.models import Base


class TrainingForm(forms.Form):
    """A training as base staff propose it; its rules (the base's fields and period
    of validity, positive hours and capacity) are bases.services.training_propose's.
    `fields` are the base's fields, offered as the choices of `field`."""

    title = forms.CharField(label=_("title"), max_length=100)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    field = forms.ChoiceField(label=_("field"))
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("ends on"), widget=DateInput)
    mode = forms.ChoiceField(label=_("form"), choices=Training.Mode.choices)
    hours = forms.DecimalField(label=_("hours"), max_digits=6, decimal_places=1)
    capacity = forms.IntegerField(label=_("capacity"))
    fee = forms.DecimalField(
        label=_("fee (yuan)"), max_digits=8, decimal_places=2, required=False, initial=0
    )
    is_advanced_seminar = forms.BooleanField(
        label=_("advanced seminar"),
        required=False,
        help_text=_("An advanced seminar (高级研修班) of the knowledge-update programme."),
    )
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(name, name) for name in fields]

    def proposal(self) -> Proposal:
        """The valid form as bases.services.training_propose takes it."""
        return Proposal(**self.cleaned_data)


class DecisionForm(forms.Form):
    """The managing unit's decision: approve, or return with a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class TrainingFilterForm(forms.Form):
    """The trainings list's filters: a base (among `bases`, those the actor may see),
    a status, the year (the year a training ends, its hours' year). Empty: all."""

    base = PkChoiceField(label=_("Base"), queryset=None, required=False, empty_label=_("all bases"))
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all")), *Training.Status.choices]
    )
    year = YearField()

    def __init__(self, *args, bases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = Base.objects.none() if bases is None else bases
        for name, field in self.fields.items():
            css = "form-control form-control-sm" if name == "year" else "form-select form-select-sm"
            field.widget.attrs["class"] = css
