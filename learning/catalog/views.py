"""The catalog (public), online study (professionals) and course editing (provincial
HR and department admins)."""

import time
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.catalog import catalog_cache
from learning.catalog.forms import (
    CatalogFilterForm,
    CourseForm,
    LessonFormSet,
    QuestionForm,
    answers_from,
)
from learning.catalog.models import Enrolment, Lesson, LessonProgress, Question
from learning.catalog.selectors import (
    catalog_courses,
    editable_courses,
    enrolments_of,
    new_course_for,
    published_courses,
    suggest_courses,
)
from learning.catalog.services import (
    StudyError,
    course_save,
    enrol,
    heartbeat,
    lessons_done,
    question_add,
    question_delete,
    quiz_submit,
    studied_seconds,
)
from learning.quality.models import QualityNomination
from learning.quality.selectors import courses_taught
from portal.actions import post_action, rows_action
from portal.formats import format_hours
from portal.http import pk_or_none
from portal.models import Role
from portal.pagination import page_with_total, query_without_page
from portal.roles import public, role_required, roles_not_needed

# When a heartbeat last renewed the session (seconds since the epoch).
SESSION_RENEWED_KEY = "study_session_renewed"

COURSES_PER_PAGE = 50


@public
def catalog(request):
    """The public course catalog: published courses of the year asked for (default:
    the default year), filtered by category, topic, channel and a phrase in the
    title or summary (CatalogFilterForm; invalid filters are ignored), 50 a page
    (?page=; anything that is not a page shows page 1, a page past the end the last
    one). Anonymous or logged in, at most 5 queries. The filter form and the list are
    the same for everyone and come from learning.catalog.catalog_cache (the context's "page"
    is None when they did)."""
    query = query_without_page(request)

    def render_body(page_number):
        this_year = default_year()
        form = CatalogFilterForm(request.GET or None, initial={"year": this_year})
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        courses = catalog_courses(
            data.get("year") or this_year,
            category=data.get("category") or "",
            topic=data.get("topic"),
            channel=data.get("channel") or "",
            q=data.get("q") or "",
        )
        page = page_with_total(courses, COURSES_PER_PAGE, page_number)
        context = {"form": form, "page": page, "query": query}
        return render_to_string("learning/_catalog_body.html", context), page

    body_html, page = catalog_cache.catalog_body(
        today=timezone.localdate(),
        query=query,
        page_number=request.GET.get("page"),
        render_body=render_body,
    )
    context = {"body_html": body_html, "page": page}
    return render(request, "learning/catalog.html", context)


@public
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
    return post_action(
        request,
        lambda: enrol(person=request.user, course=course),
        success=_("You are enrolled. Study the lessons, then take the quiz."),
        redirect_to=("learning:course", pk),
    )


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
    loads no more than the session and the user (learning.catalog.services.heartbeat).
    A malformed id ("١٢", "1e3", beyond bigint) is a lesson that does not exist."""
    lesson_id = pk_or_none(pk)
    if not request.user.is_authenticated:
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


# Signed in, like any view with `signed_in`, but it answers a logged-out learner 401
# JSON itself (the page tells her to log in again) rather than redirecting to the login
# page, and loads no roles (`roles_not_needed`): the enrolment is the right to study.
lesson_heartbeat.signed_in = True


@role_required(Role.PROFESSIONAL)
def quiz(request, pk):
    course = get_object_or_404(published_courses(), pk=pk)
    enrolment = get_object_or_404(Enrolment, person=request.user, course=course)
    if not lessons_done(enrolment):
        messages.error(request, _("Finish every lesson before taking the quiz."))
        return redirect("learning:course", pk=pk)
    questions = Question.objects.filter(course=course).prefetch_related("choices")
    if request.method == "POST":
        return post_action(
            request,
            lambda: quiz_submit(enrolment=enrolment, answers=answers_from(request.POST)),
            success=None,
            redirect_to=lambda attempt: _quiz_outcome(request, course, attempt),
        )
    return render(request, "learning/quiz.html", {"course": course, "questions": questions})


def _quiz_outcome(request, course, attempt):
    """Where a quiz submission leads, with its message: a pass to 我的学时, a fail
    (or a refusal: `attempt` None, its message given already) back to the quiz."""
    if attempt is not None and attempt.passed:
        messages.success(
            request,
            _("Passed with %(score)s points: %(hours)s hours are credited.")
            % {"score": attempt.score, "hours": format_hours(course.hours)},
        )
        return "credits:my_hours"
    if attempt is not None:
        messages.error(
            request,
            _("%(score)s points; %(mark)s are needed. Please try again.")
            % {"score": attempt.score, "mark": course.pass_mark},
        )
    return ("learning:quiz", course.pk)


@role_required(Role.PROFESSIONAL)
def suggestions(request):
    """The gap planner, shown inside 我的学时 (which fetches this fragment)."""
    form = CatalogFilterForm(request.GET)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or default_year()
    plans = suggest_courses(request.user, year)
    return render(request, "learning/_suggestions.html", {"plans": plans, "year": year})


@role_required(Role.PROFESSIONAL)
def my_courses(request):
    enrolments = enrolments_of(request.user)
    context = {
        "enrolments": enrolments,
        "taught": courses_taught(request.user),
        "year": default_year(),
    }
    return render(request, "learning/my_courses.html", context)


# -- course editing: provincial HR edits public-subject courses, a department admin her
# authority's professional courses (learning.catalog.selectors.editable_courses).

EDITORS = (Role.PROVINCE_HR, Role.DEPARTMENT_ADMIN)


@role_required(*EDITORS)
def course_manage(request):
    courses = editable_courses(request.membership).order_by("-last_year", "title")
    return render(request, "learning/manage.html", {"courses": courses})


def _edited(course):
    return ("learning:course_edit", course.pk)


@role_required(*EDITORS)
def course_edit(request, pk=None):
    actor = request.membership
    course = get_object_or_404(editable_courses(actor), pk=pk) if pk else new_course_for(actor)
    form = CourseForm(request.POST or None, instance=course)
    lessons = LessonFormSet(request.POST or None, instance=course)
    save, saved = partial(course_save, actor=request.user), _("The course has been saved.")
    if response := rows_action(request, form, lessons, save, success=saved, redirect_to=_edited):
        return response
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
def question_add_view(request, pk):
    course = get_object_or_404(editable_courses(request.membership), pk=pk)
    form = QuestionForm(request.POST)
    return post_action(
        request,
        lambda data: question_add(
            actor=request.user,
            course=course,
            text=data["text"],
            kind=data["kind"],
            choices=form.choices(),
        ),
        form=form,
        success=_("The question has been added."),
        redirect_to=("learning:course_edit", pk),
    )


@require_POST
@role_required(*EDITORS)
def question_delete_view(request, pk, question_pk):
    course = get_object_or_404(editable_courses(request.membership), pk=pk)
    question = get_object_or_404(Question, pk=question_pk, course=course)
    return post_action(
        request,
        lambda: question_delete(actor=request.user, question=question),
        success=None,
        redirect_to=("learning:course_edit", pk),
    )
