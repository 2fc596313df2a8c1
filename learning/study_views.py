"""The catalog (public) and online study (professionals)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.forms import CatalogFilterForm
from learning.models import Enrolment, Lesson, LessonProgress, QualityNomination, Question
from learning.quality_views import courses_taught
from learning.study import (
    StudyError,
    answers_from,
    enrol,
    heartbeat,
    lessons_done,
    published_courses,
    quiz_submit,
    suggest_courses,
)
from portal.formats import format_hours
from portal.models import Role
from portal.roles import role_required

COURSES_PER_PAGE = 50


def catalog(request):
    form = CatalogFilterForm(request.GET or None, initial={"year": default_year()})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    courses = published_courses(data.get("year") or default_year()).annotate(
        is_quality=Exists(
            QualityNomination.objects.filter(
                course=OuterRef("pk"), status=QualityNomination.Status.SELECTED
            )
        )
    )
    if data.get("category"):
        courses = courses.filter(category=data["category"])
    if data.get("topic"):
        courses = courses.filter(topic=data["topic"])
    if data.get("channel"):
        courses = courses.filter(channel=data["channel"])
    if data.get("q"):
        # icontains rather than PostgreSQL's text search: its parsers do not split
        # Chinese into words, so a phrase inside a title would not be found.
        courses = courses.filter(Q(title__icontains=data["q"]) | Q(summary__icontains=data["q"]))
    page = Paginator(courses, COURSES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "learning/catalog.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def course_detail(request, pk):
    course = get_object_or_404(published_courses(), pk=pk)
    enrolment = None
    if request.user.is_authenticated:
        enrolment = Enrolment.objects.filter(person=request.user, course=course).first()
    progress = {}
    if enrolment:
        progress = {p.lesson_id: p for p in enrolment.progress.all()}
    context = {
        "course": course,
        "quality_years": list(
            course.nominations.filter(status=QualityNomination.Status.SELECTED).values_list(
                "year", flat=True
            )
        ),
        "lessons": course.lessons.all(),
        "enrolment": enrolment,
        "progress": progress,
        "question_count": course.questions.count(),
    }
    return render(request, "learning/course.html", context)


@require_POST
@role_required(Role.PROFESSIONAL)
def course_enrol(request, pk):
    course = get_object_or_404(published_courses(), pk=pk)
    enrol(person=request.user, course=course)
    messages.success(request, _("You are enrolled. Study the lessons, then take the quiz."))
    return redirect("learning:course", pk=pk)


def _lesson_for(request, pk) -> tuple[Lesson, Enrolment]:
    lesson = get_object_or_404(
        Lesson.objects.select_related("course").filter(course__in=published_courses()), pk=pk
    )
    enrolment = get_object_or_404(Enrolment, person=request.user, course=lesson.course)
    return lesson, enrolment


@role_required(Role.PROFESSIONAL)
def lesson_page(request, pk):
    lesson, enrolment = _lesson_for(request, pk)
    progress = LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson).first()
    lessons = list(lesson.course.lessons.all())
    position = lessons.index(lesson)
    context = {
        "lesson": lesson,
        "course": lesson.course,
        "progress": progress,
        "previous": lessons[position - 1] if position else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
        "heartbeat_seconds": settings.STUDY_HEARTBEAT_SECONDS,
    }
    return render(request, "learning/lesson.html", context)


@require_POST
@role_required(Role.PROFESSIONAL)
def lesson_heartbeat(request, pk):
    lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
    try:
        progress = heartbeat(person=request.user, lesson=lesson)
    except StudyError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse(
        {"seconds": progress.seconds, "required": lesson.seconds, "done": bool(progress.done_at)}
    )


@role_required(Role.PROFESSIONAL)
def quiz(request, pk):
    course = get_object_or_404(published_courses(), pk=pk)
    enrolment = get_object_or_404(Enrolment, person=request.user, course=course)
    if not lessons_done(enrolment):
        messages.error(request, _("Finish every lesson before taking the quiz."))
        return redirect("learning:course", pk=pk)
    questions = Question.objects.filter(course=course).prefetch_related("choices")
    if request.method == "POST":
        try:
            attempt = quiz_submit(enrolment=enrolment, answers=answers_from(request.POST))
        except StudyError as error:
            messages.error(request, str(error))
            return redirect("learning:quiz", pk=pk)
        if attempt.passed:
            messages.success(
                request,
                _("Passed with %(score)s points: %(hours)s hours are credited.")
                % {"score": attempt.score, "hours": format_hours(course.hours)},
            )
            return redirect("credits:my_hours")
        messages.error(
            request,
            _("%(score)s points; %(mark)s are needed. Please try again.")
            % {"score": attempt.score, "mark": course.pass_mark},
        )
        return redirect("learning:quiz", pk=pk)
    return render(request, "learning/quiz.html", {"course": course, "questions": questions})


@role_required(Role.PROFESSIONAL)
def suggestions(request):
    """The gap planner, shown inside 我的学时 (which fetches this fragment)."""
    form = CatalogFilterForm(request.GET)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or default_year()
    plans = suggest_courses(request.user, year)
    return render(request, "learning/_suggestions.html", {"plans": plans, "year": year})


@role_required(Role.PROFESSIONAL)
def my_courses(request):
    enrolments = (
        Enrolment.objects.filter(person=request.user)
        .select_related("course")
        .annotate(
            lesson_count=Count("course__lessons", distinct=True),
            done_count=Count("progress", filter=Q(progress__done_at__isnull=False), distinct=True),
        )
        .order_by("completed_at", "-enrolled_at")
    )
    context = {
        "enrolments": enrolments,
        "taught": courses_taught(request.user),
        "year": default_year(),
    }
    return render(request, "learning/my_courses.html", context)
