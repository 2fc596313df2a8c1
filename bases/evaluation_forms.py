"""The forms of the base evaluation pages (bases.evaluation_views)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bases.evaluation import PARTS
from bases.models import Evaluation


class ScoreSheetForm(forms.Form):
    """Provincial HR's score sheet: the points of every part (PARTS, one decimal, 0 to
    the part's maximum), the grade and remarks. The service (evaluation_save) checks
    the points again and whether the total allows the grade."""

    grade = forms.ChoiceField(
        label=_("Grade"), choices=Evaluation.Grade.choices, widget=forms.RadioSelect
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the grade is lower than the total reaches."),
    )

    def __init__(self, *args, suggestions: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        suggestions = suggestions or {}
        points = {}
        for part in PARTS:
            help_text = str(part.help)
            if part.key in suggestions:
                help_text += " " + str(
                    _("The indicators suggest %(points)s points.")
                    % {"points": suggestions[part.key]}
                )
            points[f"points_{part.key}"] = forms.DecimalField(
                label=_("%(part)s (out of %(maximum)s)")
                % {"part": part.label, "maximum": part.maximum},
                min_value=0,
                max_value=part.maximum,
                max_digits=4,
                decimal_places=1,
                help_text=help_text,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": part.maximum}),
            )
        # The parts first, in their order, then the grade and remarks.
        self.fields = {**points, **self.fields}

    def scores(self) -> dict:
        """{part key: points} of a valid form."""
        return {part.key: self.cleaned_data[f"points_{part.key}"] for part in PARTS}

    @staticmethod
    def initial_from(evaluation: Evaluation | None, suggestions: dict) -> dict:
        """The initial values: a saved evaluation's, else the suggested points."""
        if evaluation is None:
            return {f"points_{key}": points for key, points in suggestions.items()}
        initial = {f"points_{key}": points for key, points in evaluation.scores.items()}
        initial.update(grade=evaluation.grade, remarks=evaluation.remarks)
        return initial
