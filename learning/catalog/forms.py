from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credits.models import Category
from learning.catalog.models import Course, Lesson, Question
from learning.catalog.selectors import topic_groups
from learning.catalog.services import StudyError
from portal.forms import BaseInlineFormSet, IdNumberField, YearField
from portal.http import pk_or_none
from portal.models import User


class CatalogFilterForm(forms.Form):
    year = YearField()
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("all")), *Category.choices]
    )
    # The year's topics, the required special topics apart from the optional
    # directions (set in __init__ from the year asked for).
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("all")), *Course.Channel.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = pk_or_none(str(self.data.get("year", "")).strip()) or self.initial.get("year")
        self.topic_groups = topic_groups(year) if year else []
        self.fields["topic"].choices = [
            ("", _("all")),
            *[(label, [(t.pk, t.name) for t in topics]) for label, topics in self.topic_groups],
        ]
        for name, field in self.fields.items():
            css = "form-select" if name in ("category", "topic", "channel") else "form-control"
            field.widget.attrs["class"] = f"{css} form-select-sm form-control-sm"


class CourseForm(forms.ModelForm):
    teacher_id_number = IdNumberField(
        label=_("Teacher's ID card number"),
        required=False,
        help_text=_("Links the teacher's account: a selected quality course credits it."),
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "summary",
            "teacher_name",
            "topic",
            "hours",
            "channel",
            "first_year",
            "last_year",
            "pass_mark",
            "status",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.teacher_id:
            self.fields["teacher_id_number"].initial = self.instance.teacher.id_number

    def clean_teacher_id_number(self):
        number = self.cleaned_data["teacher_id_number"]
        if not number:
            return None
        teacher = User.objects.filter(id_number=number).first()
        if teacher is None:
            raise ValidationError(_("No account has this ID card number."))
        return teacher

    def save(self, commit=True):
        self.instance.teacher = self.cleaned_data.get("teacher_id_number")
        return super().save(commit)

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is None or hours <= 0:
            raise ValidationError(_("Hours must be greater than zero."))
        if hours > 200:
            raise ValidationError(_("A course may have at most 200 hours."))
        return hours

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if first and last and first > last:
            self.add_error("last_year", _("The last year may not come before the first."))
        return cleaned


LessonFormSet = forms.inlineformset_factory(
    Course,
    Lesson,
    formset=BaseInlineFormSet,
    fields=["title", "content", "minutes", "order"],
    extra=1,
    can_delete=True,
    widgets={"content": forms.Textarea(attrs={"rows": 2})},
)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    choice_1 = forms.CharField(label=_("Answer 1"), max_length=300)
    choice_2 = forms.CharField(label=_("Answer 2"), max_length=300)
    choice_3 = forms.CharField(label=_("Answer 3"), max_length=300, required=False)
    choice_4 = forms.CharField(label=_("Answer 4"), max_length=300, required=False)
    correct = forms.MultipleChoiceField(
        label=_("Correct answers"),
        choices=[(str(i), str(i)) for i in range(1, 5)],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        cleaned = super().clean()
        correct = cleaned.get("correct") or []
        for number in correct:
            if not cleaned.get(f"choice_{number}"):
                self.add_error("correct", _("A correct answer must have a text."))
        if cleaned.get("kind") == Question.Kind.SINGLE and len(correct) != 1:
            self.add_error("correct", _("A single-choice question has exactly one correct answer."))
        return cleaned

    def choices(self) -> list[tuple[str, bool]]:
        """The valid form's answers that have a text, as (text, correct) in order."""
        data = self.cleaned_data
        return [
            (data[f"choice_{number}"], str(number) in data["correct"])
            for number in range(1, 5)
            if data[f"choice_{number}"]
        ]


def answers_from(post) -> dict[int, set[int]]:
    """The quiz form's answers: fields `q<question id>` holding choice ids, as
    {question id: {choice ids}}. Raises StudyError for a choice that is no id."""
    answers = {}
    for key in post:
        if key.startswith("q") and (question := pk_or_none(key[1:])):
            choices = [pk_or_none(value) for value in post.getlist(key)]
            if None in choices:
                raise StudyError(_("The answers are not valid."))
            answers[question] = set(choices)
    return answers
