"""Course editing: provincial HR edits public-subject courses, a department admin her
authority's professional courses — both through `editable_courses`."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.models import Category
from learning.forms import CourseForm, LessonFormSet, QuestionForm
from learning.models import Choice, Course, Question
from learning.selectors import editable_courses
from portal.audit import audit_log
from portal.models import Role
from portal.roles import role_required

EDITORS = (Role.PROVINCE_HR, Role.DEPARTMENT_ADMIN)


@role_required(*EDITORS)
def course_manage(request):
    courses = editable_courses(request.membership).order_by("-last_year", "title")
    return render(request, "learning/manage.html", {"courses": courses})


@role_required(*EDITORS)
def course_edit(request, pk=None):
    actor = request.membership
    course = get_object_or_404(editable_courses(actor), pk=pk) if pk else Course()
    if pk is None:  # what the editor's role decides, not the form
        if actor.role == Role.PROVINCE_HR:
            course.category = Category.PUBLIC
        else:
            course.category, course.authority = Category.PROFESSIONAL, actor.authority
    form = CourseForm(request.POST or None, instance=course)
    lessons = LessonFormSet(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid() and lessons.is_valid():
        with transaction.atomic():
            course = form.save()
            lessons.instance = course
            lessons.save()
            audit_log(actor=request.user, action="learning.course.saved", course=course.pk)
        messages.success(request, _("The course has been saved."))
        return redirect("learning:course_edit", pk=course.pk)
    context = {
        "course": course,
        "form": form,
        "lessons": lessons,
        "question_form": QuestionForm(),
        "questions": course.questions.prefetch_related("choices") if course.pk else [],
    }
    return render(request, "learning/edit.html", context)


@require_POST
@role_required(*EDITORS)
def question_add(request, pk):
    course = get_object_or_404(editable_courses(request.membership), pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            question = Question.objects.create(
                course=course, text=data["text"], kind=data["kind"], order=course.questions.count()
            )
            for number in range(1, 5):
                if data[f"choice_{number}"]:
                    Choice.objects.create(
                        question=question,
                        text=data[f"choice_{number}"],
                        correct=str(number) in data["correct"],
                    )
        messages.success(request, _("The question has been added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("learning:course_edit", pk=pk)


@require_POST
@role_required(*EDITORS)
def question_delete(request, pk, question_pk):
    course = get_object_or_404(editable_courses(request.membership), pk=pk)
    get_object_or_404(Question, pk=question_pk, course=course).delete()
    return redirect("learning:course_edit", pk=pk)
