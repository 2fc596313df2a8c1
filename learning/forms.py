from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credits.models import Category
from learning.models import (
    PLAN_SECTIONS,
    Course,
    Lesson,
    PlanItem,
    Platform,
    PlatformRecord,
    ProfessionalPlan,
    Question,
)
from portal.forms import BaseInlineFormSet, DateInput, IdNumberField
from portal.models import User
from portal.tabular import TableError, check_upload


class ImportForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.all())
    file = forms.FileField(label=_("Export file (.xlsx, .xls or .csv)"))

    def clean_file(self):
        from learning.imports import IMPORT_SPEC

        upload = self.cleaned_data["file"]
        try:
            check_upload(upload, IMPORT_SPEC.max_bytes)
        except TableError as error:
            raise ValidationError(str(error)) from None
        return upload


class RecordFilterForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.all(), required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("all")), *PlatformRecord.Outcome.choices, ("pending", _("pending"))],
    )


class ReprocessForm(forms.Form):
    id_number = IdNumberField(
        label=_("Match to the person with ID card number"),
        required=False,
        help_text=_("Leave empty to match by the record's own ID number."),
    )

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        if not number:
            return ""
        if not User.objects.professionals().filter(id_number=number).exists():
            raise ValidationError(_("No professional has this ID card number."))
        return number

    def clean(self):
        cleaned = super().clean()
        cleaned["person"] = (
            User.objects.get(id_number=cleaned["id_number"]) if cleaned.get("id_number") else None
        )
        return cleaned


class CatalogFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
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
        from learning.study import topic_groups

        super().__init__(*args, **kwargs)
        asked = str(self.data.get("year", "")).strip()
        year = int(asked) if asked.isascii() and asked.isdigit() else self.initial.get("year")
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


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    hours = forms.CharField(label=_("Hours"), max_length=10)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    place = forms.CharField(label=_("Place"), max_length=200)


class PlanForm(forms.ModelForm):
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

    def clean(self):
        from learning.plans import sanitize

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
