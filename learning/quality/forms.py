"""The yearly quality online public-course selection."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learning.quality.selectors import active_bases, nominable_courses
from portal.forms import PkChoiceField, YearField


class NominationForm(forms.Form):
    """The year a teacher puts her course forward for (empty: the default year) and
    the base she names, if any (an active one)."""

    year = YearField()
    base = PkChoiceField(
        label=_("Base"),
        queryset=active_bases(),
        required=False,
        empty_label=_("— no base —"),
        help_text=_("The continuing-education base the course was made with, if any."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"class": "form-control"})
        self.fields["base"].widget.attrs.update({"class": "form-select"})


class BaseNominationForm(forms.Form):
    """A course of the catalog a base puts forward, and the year (empty: the default
    year)."""

    course = PkChoiceField(label=_("Course"), queryset=nominable_courses())
    year = YearField()


class CourseSearchForm(forms.Form):
    """The base's course picker: the year the courses are offered in and a phrase in
    their title."""

    year = YearField()
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-control form-control-sm"})


class QueueYearForm(forms.Form):
    """The year of the association's queue (empty or bad: the default year)."""

    year = YearField()


class ReviewForm(forms.Form):
    """An expert's score (0–100) and comment."""

    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea)


class ShortlistForm(forms.Form):
    """The association's decision on a pending nomination: shortlist it, or decline it
    (the reason is required then: the service checks it)."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("shortlist", "shortlist"), ("decline", "decline")]
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ConfirmForm(forms.Form):
    """Provincial HR's decision on a shortlisted nomination: select it, or send it back
    declined (the reason is required then: the service checks it)."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("select", "select"), ("decline", "decline")]
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
