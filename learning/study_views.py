"""The catalog (public) and online study (professionals)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning import catalog_cache
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
    studied_seconds,
    suggest_courses,
)
from portal.formats import format_hours
from portal.models import Role
from portal.pagination import page_with_total
from portal.roles import role_required, roles_not_needed

# When a heartbeat last renewed the session (seconds since the epoch).
SESSION_RENEWED_KEY = "study_session_renewed"

COURSES_PER_PAGE = 50


def catalog(request):
    """The public course catalog: published courses of the year asked for (default:
    the default year), filtered by category, topic, channel and a phrase in the
    title or summary (CatalogFilterForm; invalid filters are ignored), 50 a page
    (?page=; anything that is not a page shows page 1, a page past the end the last
    one). Anonymous or logged in, at most 5 queries. The filter form and the list are
    the same for everyone and come from learning.catalog_cache (the context's "page"
    is None when they did)."""
    this_year = default_year()
    query = request.GET.copy()
    query.pop("page", None)

    def render_body(page_number):
        form = CatalogFilterForm(request.GET or None, initial={"year": this_year})
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        courses = published_courses(data.get("year") or this_year).annotate(
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
            courses = courses.filter(
                Q(title__icontains=data["q"]) | Q(summary__icontains=data["q"])
            )
        page = page_with_total(courses, COURSES_PER_PAGE, page_number)
        context = {"form": form, "page": page, "query": query.urlencode()}
        return render_to_string("learning/_catalog_body.html", context), page

    body_html, page = catalog_cache.catalog_body(
        default_year=this_year,
        query=query.urlencode(),
        page_number=request.GET.get("page"),
        render_body=render_body,
    )
    context = {"body_html": body_html, "page": page}
    return render(request, "learning/catalog.html", context)


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
        "studied_seconds": studied_seconds(request.user, lesson, progress),
        "previous": lessons[position - 1] if position else None,
        "next": lessons[position + 1] if position + 1 < len(lessons) else None,
        "heartbeat_seconds": settings.STUDY_HEARTBEAT_SECONDS,
    }
    return render(request, "learning/lesson.html", context)


def _lesson_id(text: str) -> int | None:
    """A lesson id from the URL: ASCII digits only (not "١٢", not "1e3") and within
    the database's bigint, else None."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _keep_session_alive(request) -> None:
    """Heartbeats keep the session of a learner who is studying alive. Saving the
    session renews its expiry; a beat saves it only when less than half of
    SESSION_COOKIE_AGE is left since the last renewal, not on every beat."""
    now = int(time.time())
    renewed = request.session.get(SESSION_RENEWED_KEY)
    if not isinstance(renewed, int) or now - renewed >= settings.SESSION_COOKIE_AGE // 2:
        request.session[SESSION_RENEWED_KEY] = now


@roles_not_needed
@require_POST
def lesson_heartbeat(request, pk):
    """The lesson page's heartbeat: POST, answers JSON {seconds, required, done} or
    {error} — 401 when the session has expired (with `login_url`), 404 for a lesson
    that does not exist (or a malformed id), 409 for a course not open or not
    enrolled in. Needs no role: the enrolment is the right to study, and the request
    loads no more than the session and the user (learning.study.heartbeat)."""
    if not request.user.is_authenticated:
        lesson_id = _lesson_id(pk)
        next_url = reverse("learning:lesson", args=[lesson_id]) if lesson_id else "/"
        return JsonResponse(
            {
                "error": _(
                    "You are logged out: study time is no longer counted. "
                    "Log in again to go on studying."
                ),
                "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}",
            },
            status=401,
        )
    lesson_id = _lesson_id(pk)
    try:
        if lesson_id is None:
            raise Lesson.DoesNotExist
        beat = heartbeat(person=request.user.pk, lesson=lesson_id)
    except Lesson.DoesNotExist:
        return JsonResponse({"error": _("There is no such lesson.")}, status=404)
    except StudyError as error:
        return JsonResponse({"error": str(error)}, status=409)
    _keep_session_alive(request)
    return JsonResponse(
        {"seconds": float(beat.seconds), "required": beat.required, "done": beat.done}
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
