"""Online study: enrolment, server-measured study time, the quiz, completion.

Study time is what the server observes between a person's heartbeats, never what a
client claims: a beat credits the time since the previous beat for the same lesson,
at most two heartbeat intervals (a sleeping laptop earns nothing). One clock per
person means only one lesson at a time earns time: a beat for another lesson moves
the clock and credits nothing.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.services import LedgerError, credit_post
from learning.models import (
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    StudyClock,
    Topic,
)
from portal.audit import audit_log
from portal.models import User


class StudyError(ValueError):
    """A refusal the learner reads, in Chinese."""


def published_courses(year: int | None = None) -> QuerySet[Course]:
    courses = Course.objects.filter(status=Course.Status.PUBLISHED)
    if year:
        courses = courses.filter(first_year__lte=year, last_year__gte=year)
    return courses.select_related("topic", "authority")


def enrol(*, person, course: Course) -> Enrolment:
    if course.status != Course.Status.PUBLISHED:
        raise StudyError(_("This course is not open for study."))
    enrolment, _created = Enrolment.objects.get_or_create(person=person, course=course)
    return enrolment


def max_credit_per_beat() -> timedelta:
    return timedelta(seconds=2 * settings.STUDY_HEARTBEAT_SECONDS)


@transaction.atomic
def heartbeat(*, person, lesson: Lesson) -> LessonProgress:
    """Record that `person` is studying `lesson` now; return the lesson's progress.

    Steps: refuse a lesson of a course the person is not enrolled in or that is not
    published; lock the person's clock (concurrent beats queue here); credit the real
    time since the previous beat if that beat was for the same lesson and recent;
    move the clock to this lesson and now.
    """
    course = lesson.course
    if course.status != Course.Status.PUBLISHED:
        raise StudyError(_("This course is not open for study."))
    enrolment = Enrolment.objects.filter(person=person, course=course).first()
    if enrolment is None:
        raise StudyError(_("Enrol in the course before studying its lessons."))
    User.objects.select_for_update().filter(pk=person.pk).first()  # one beat at a time
    clock, _created = StudyClock.objects.get_or_create(person=person)
    progress, _created = LessonProgress.objects.get_or_create(enrolment=enrolment, lesson=lesson)
    now = timezone.now()
    if clock.lesson_id == lesson.pk and clock.last_beat_at:
        elapsed = now - clock.last_beat_at
        if elapsed <= max_credit_per_beat():
            progress.seconds = min(lesson.seconds, progress.seconds + int(elapsed.total_seconds()))
            if progress.seconds >= lesson.seconds and progress.done_at is None:
                progress.done_at = now
            progress.save(update_fields=["seconds", "done_at"])
    clock.lesson, clock.last_beat_at = lesson, now
    clock.save(update_fields=["lesson", "last_beat_at"])
    return progress


def lessons_done(enrolment: Enrolment) -> bool:
    lessons = enrolment.course.lessons.count()
    done = enrolment.progress.filter(done_at__isnull=False).count()
    return done >= lessons


@transaction.atomic
def quiz_submit(*, enrolment: Enrolment, answers: dict[int, set[int]]) -> QuizAttempt:
    """Score the quiz; a pass completes the course. `answers` maps question ids to the
    chosen choice ids. All or nothing: a pass that cannot be credited records nothing."""
    if not lessons_done(enrolment):
        raise StudyError(_("Finish every lesson before taking the quiz."))
    questions = list(Question.objects.filter(course=enrolment.course).prefetch_related("choices"))
    known = {q.pk: q for q in questions}
    if set(answers) - set(known):
        raise StudyError(_("The answers include a question of another quiz."))
    correct = 0
    for question in questions:
        valid = {c.pk for c in question.choices.all()}
        chosen = answers.get(question.pk, set())
        if chosen - valid:
            raise StudyError(_("The answers include a choice of another question."))
        if question.kind == Question.Kind.SINGLE and len(chosen) > 1:
            raise StudyError(_("A single-choice question takes one answer."))
        if chosen == {c.pk for c in question.choices.all() if c.correct}:
            correct += 1
    score = round(correct * 100 / len(questions)) if questions else 100
    attempt = QuizAttempt.objects.create(
        enrolment=enrolment, score=score, passed=score >= enrolment.course.pass_mark
    )
    if attempt.passed:
        try:
            course_complete(enrolment)
        except LedgerError as error:
            raise StudyError(str(error)) from None
    return attempt


@transaction.atomic
def course_complete(enrolment: Enrolment) -> Enrolment:
    """Mark the course done and post its hours — once, whatever races."""
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    if enrolment.completed_at:
        return enrolment
    course, today = enrolment.course, timezone.localdate()
    enrolment.credit, _created = credit_post(
        person=enrolment.person,
        year=today.year,
        category=course.category,
        hours=course.hours,
        source="course",
        source_ref=f"enrolment:{enrolment.pk}",
        description=course.title[:200],
        occurred_on=today,
    )
    enrolment.completed_at = timezone.now()
    enrolment.save(update_fields=["credit", "completed_at"])
    audit_log(
        actor=enrolment.person,
        action="learning.course.completed",
        enrolment=enrolment.pk,
        course=course.pk,
    )
    return enrolment


def answers_from(post) -> dict[int, set[int]]:
    """The quiz form's answers: fields `q<question id>` holding choice ids."""
    answers = {}
    for key in post:
        if key.startswith("q") and key[1:].isdigit():
            try:
                answers[int(key[1:])] = {int(v) for v in post.getlist(key)}
            except ValueError:
                raise StudyError(_("The answers are not valid.")) from None
    return answers


def topic_groups(year: int) -> list[tuple[str, list[Topic]]]:
    """The public-subject topics of `year`, apart: [("必修专题", [...]), ("选学方向", [...])].

    A year whose topics are not yet entered uses the latest earlier year's; a group
    with no topic is left out."""
    latest = Topic.objects.filter(year__lte=year).order_by("-year").values("year")[:1]
    topics = list(Topic.objects.filter(year__in=latest).order_by("order", "name"))
    return [
        (str(kind.label), [t for t in topics if t.kind == kind])
        for kind in (Topic.Kind.REQUIRED, Topic.Kind.OPTIONAL)
        if any(t.kind == kind for t in topics)
    ]


@dataclass(frozen=True)
class CourseGroup:
    label: str  # "" where the category has no topics to tell apart
    courses: list[Course]


@dataclass(frozen=True)
class GapPlan:
    """Courses that close one category's gap, grouped for display."""

    label: str
    gap: Decimal
    groups: list[CourseGroup]

    @property
    def courses(self) -> list[Course]:
        return [course for group in self.groups for course in group.courses]


def _largest_first(candidates, total: Decimal, gap: Decimal) -> tuple[list[Course], Decimal]:
    # The largest first is optimal for "fewest courses whose hours reach the gap".
    chosen = []
    for course in candidates.order_by("-hours", "title")[:50]:
        if total >= gap:
            break
        chosen.append(course)
        total += course.hours
    return chosen, total


def _public_plan(person, year: int, gap: Decimal, candidates) -> list[CourseGroup]:
    """Public subjects: first one course for each required special topic (专题) the
    person has not yet completed a course of this year, then the optional directions
    (and courses without a topic); the two are listed apart."""
    required_kind = Topic.Kind.REQUIRED
    covered = set(
        Enrolment.objects.filter(
            person=person, completed_at__year=year, course__topic__kind=required_kind
        ).values_list("course__topic__name", flat=True)
    )
    required_topics = dict(topic_groups(year)).get(str(required_kind.label), [])
    required, total = [], Decimal(0)
    for topic in required_topics:
        if total >= gap:
            break
        if topic.name in covered:
            continue
        course = (
            candidates.filter(topic__kind=required_kind, topic__name=topic.name)
            .order_by("-hours", "title")
            .first()
        )
        if course is not None:
            required.append(course)
            total += course.hours
    chosen_ids = [c.pk for c in required]
    optional, total = _largest_first(candidates.exclude(topic__kind=required_kind), total, gap)
    if total < gap:  # only required-topic courses are left to close the gap
        more, total = _largest_first(
            candidates.filter(topic__kind=required_kind).exclude(pk__in=chosen_ids), total, gap
        )
        required += more
    return [
        CourseGroup(str(Topic.Kind.REQUIRED.label), required),
        CourseGroup(str(Topic.Kind.OPTIONAL.label), optional),
    ]


def suggest_courses(person, year: int) -> list[GapPlan]:
    """For each category short in `year`, the courses that close its gap with as few
    as possible; public subjects put the required special topics first, apart from
    the optional directions (the notice, section 二(一))."""
    from credits.models import Category
    from credits.selectors import year_status

    status = year_status(person, year)
    done = Enrolment.objects.filter(person=person, completed_at__isnull=False).values("course")
    plans = []
    for category, gap in (
        (Category.PUBLIC, status.public_gap),
        (Category.PROFESSIONAL, status.professional_gap),
    ):
        if not gap:
            continue
        candidates = published_courses(year).filter(category=category).exclude(pk__in=done)
        if category == Category.PUBLIC:
            groups = _public_plan(person, year, gap, candidates)
        else:
            groups = [CourseGroup("", _largest_first(candidates, Decimal(0), gap)[0])]
        plans.append(GapPlan(str(Category(category).label), gap, groups))
    return plans
