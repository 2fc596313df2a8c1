"""Online study and course editing: enrolment, server-measured study time, the quiz,
completion; saving a course with its lessons, its quiz questions.

Study time is what the server observes between a person's heartbeats, never what a
client claims: a beat credits the time since the previous beat for the same lesson,
to the millisecond, at most two heartbeat intervals (a sleeping laptop earns
nothing). One clock per person means only one lesson at a time earns time: a beat
for another lesson moves the clock and credits nothing. The clock never moves
backwards: a beat older than the clock's last one (two tabs' beats arriving out of
order) credits nothing and leaves the clock alone, so no interval counts twice. Only
a person holding the professional role earns time. The clock lives in Redis when
there is one (learning.catalog.study_clock), else in the database.
"""

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.services import LedgerError, credit_post
from learning.catalog import study_clock
from learning.catalog.models import (
    Choice,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    StudyClock,
)
from portal.actions import Refused
from portal.audit import audit_log
from portal.errors import REDIS_ERRORS
from portal.models import Membership, Role


class StudyError(Refused):
    """A refusal the learner reads, in Chinese."""


@transaction.atomic
def enrol(*, person, course: Course) -> Enrolment:
    """Enrol `person` in `course` (once: enrolling again returns the enrolment she
    has). Raises StudyError for a course that is not published."""
    if course.status != Course.Status.PUBLISHED:
        raise StudyError(_("This course is not open for study."))
    enrolment, created = Enrolment.objects.get_or_create(person=person, course=course)
    if created:
        audit_log(
            actor=person,
            action="learning.course.enrolled",
            enrolment=enrolment.pk,
            course=course.pk,
        )
    return enrolment


def max_credit_per_beat() -> timedelta:
    return timedelta(seconds=2 * settings.STUDY_HEARTBEAT_SECONDS)


@dataclass(frozen=True)
class Beat:
    """A lesson's progress after a heartbeat."""

    seconds: Decimal  # time studied, to the millisecond
    required: int  # the lesson's length in seconds
    done_at: datetime | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


def _beat_time() -> datetime:
    # Beats are timed to the millisecond, on every path alike, so that the Redis and
    # the database clock credit exactly the same time for the same beats.
    return study_clock.truncated(timezone.now())


def _is_professional(person_id: int) -> Exists:
    return Exists(Membership.objects.filter(user_id=person_id, role=Role.PROFESSIONAL))


def _pk(value) -> int:
    return value.pk if hasattr(value, "pk") else int(value)


def heartbeat(*, person, lesson) -> Beat:
    """Record that `person` is studying `lesson` now (each a model instance or its id)
    and return the lesson's progress.

    A beat credits the real time since the person's previous beat, to the
    millisecond, if that beat was for the same lesson and at most
    `max_credit_per_beat()` ago, up to the lesson's length; the lesson is done when
    its length is reached. With Redis the clock lives there (learning.catalog.study_clock:
    one round trip, a database query when the lesson's check is due, the lesson's
    time written to the database when it is done); without it, the database clock
    (`database_heartbeat`). Raises Lesson.DoesNotExist for an unknown lesson and
    StudyError for a person without the professional role or a course not published
    or not enrolled in; a refused beat credits nothing and leaves the clock alone.
    With Redis those checks hold for settings.STUDY_TICKET_SECONDS once made
    (learning.catalog.study_clock).
    """
    person_id, lesson_id = _pk(person), _pk(lesson)
    if not study_clock.enabled():
        return database_heartbeat(person=person_id, lesson=lesson_id)
    now = _beat_time()
    reading = study_clock.beat(person_id, lesson_id, now)
    if reading is None:
        reading = study_clock.beat(
            person_id, lesson_id, now, seed=_study_check(person_id, lesson_id)
        )
    if reading.finished:
        study_clock.flush_lesson(person_id, lesson_id)
    return Beat(
        seconds=Decimal(reading.studied_ms).scaleb(-3),
        required=reading.required_ms // 1000,
        done_at=study_clock.moment_of(reading.done_ms) if reading.done_ms else None,
    )


def _study_check(person_id: int, lesson_id: int) -> study_clock.Seed:
    """One query: may `person_id` study `lesson_id`, and what has she studied of it.
    Raises Lesson.DoesNotExist or StudyError (see `heartbeat`)."""
    progress = LessonProgress.objects.filter(
        enrolment__person_id=person_id,
        enrolment__course_id=OuterRef("course_id"),
        lesson_id=OuterRef("pk"),
    )
    row = (
        Lesson.objects.filter(pk=lesson_id)
        .values("minutes", "course__status")
        .annotate(
            professional=_is_professional(person_id),
            enrolment_id=Subquery(
                Enrolment.objects.filter(
                    person_id=person_id, course_id=OuterRef("course_id")
                ).values("pk")[:1]
            ),
            seconds=Subquery(progress.values("seconds")[:1]),
            done_at=Subquery(progress.values("done_at")[:1]),
        )
        .first()
    )
    if row is None:
        raise Lesson.DoesNotExist
    if not row["professional"]:
        raise StudyError(_("Only professionals can study lessons."))
    if row["course__status"] != Course.Status.PUBLISHED:
        raise StudyError(_("This course is not open for study."))
    if row["enrolment_id"] is None:
        raise StudyError(_("Enrol in the course before studying its lessons."))
    return study_clock.Seed(
        enrolment_id=row["enrolment_id"],
        required_seconds=row["minutes"] * settings.STUDY_SECONDS_PER_MINUTE,
        seconds=row["seconds"] or Decimal(0),
        done_at=row["done_at"],
    )


# The database beat in one PostgreSQL statement. `clock` moves the person's clock and
# returns where it was; its UPDATE locks the row, so a concurrent beat of the same
# person waits and then reads this beat's time (READ COMMITTED re-reads the updated
# row). A beat older than the clock's last leaves it where it is (and then credits
# nothing: `previous_beat_at` is not before it). `progress` adds the credit; ON
# CONFLICT updates the latest committed row.
_PG_BEAT = """
WITH target AS (
    SELECT e.id AS enrolment_id, l.minutes * %(per_minute)s AS required
    FROM {lesson} l
    JOIN {course} c ON c.id = l.course_id
    JOIN {enrolment} e ON e.course_id = l.course_id AND e.person_id = %(person)s
    WHERE l.id = %(lesson)s AND c.status = %(published)s AND EXISTS (
        SELECT 1 FROM {membership} m
        WHERE m.user_id = %(person)s AND m.role = %(professional)s
    )
),
clock AS (
    UPDATE {clock}
    SET previous_lesson = lesson_id, previous_beat_at = last_beat_at,
        lesson_id = CASE WHEN last_beat_at > %(now)s THEN lesson_id ELSE %(lesson)s END,
        last_beat_at = GREATEST(last_beat_at, %(now)s)
    WHERE person_id = %(person)s AND EXISTS (SELECT 1 FROM target)
    RETURNING previous_lesson, previous_beat_at
),
credit AS (
    SELECT t.enrolment_id, t.required,
        EXTRACT(EPOCH FROM %(now)s - k.previous_beat_at) AS seconds
    FROM target t CROSS JOIN clock k
    WHERE k.previous_lesson = %(lesson)s
      AND k.previous_beat_at < %(now)s AND k.previous_beat_at >= %(earliest)s
),
progress AS (
    INSERT INTO {progress} (enrolment_id, lesson_id, seconds, done_at)
    SELECT enrolment_id, %(lesson)s, LEAST(seconds, required),
        CASE WHEN seconds >= required THEN %(now)s END
    FROM credit
    ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET
        seconds = LEAST({progress}.seconds + EXCLUDED.seconds, (SELECT required FROM credit)),
        done_at = COALESCE({progress}.done_at, CASE
            WHEN {progress}.seconds + EXCLUDED.seconds >= (SELECT required FROM credit)
            THEN %(now)s END)
    WHERE {progress}.seconds < (SELECT required FROM credit) OR {progress}.done_at IS NULL
    RETURNING seconds, done_at
)
SELECT t.required, (SELECT count(*) FROM clock),
    COALESCE(p.seconds, old.seconds, 0), COALESCE(p.done_at, old.done_at)
FROM target t
LEFT JOIN progress p ON TRUE
LEFT JOIN {progress} old ON old.enrolment_id = t.enrolment_id AND old.lesson_id = %(lesson)s
"""


def database_heartbeat(*, person, lesson) -> Beat:
    """The database clock (`heartbeat` without Redis): on PostgreSQL one statement;
    elsewhere (SQLite, the embedded default) three queries in a transaction."""
    person_id, lesson_id = _pk(person), _pk(lesson)
    now = _beat_time()
    for _attempt in range(2):
        if connection.vendor == "postgresql":
            beat = _postgresql_beat(person_id, lesson_id, now)
        else:
            beat = _portable_beat(person_id, lesson_id, now)
        if beat is not None:
            return beat
        # Refused, or the person's first beat ever: say why, or make her clock.
        _study_check(person_id, lesson_id)
        StudyClock.objects.get_or_create(person_id=person_id)
    raise AssertionError("the study clock row exists after get_or_create")  # pragma: no cover


def _postgresql_beat(person_id: int, lesson_id: int, now: datetime) -> Beat | None:
    sql = _PG_BEAT.format(
        lesson=Lesson._meta.db_table,
        course=Course._meta.db_table,
        enrolment=Enrolment._meta.db_table,
        clock=StudyClock._meta.db_table,
        progress=LessonProgress._meta.db_table,
        membership=Membership._meta.db_table,
    )
    params = {
        "person": person_id,
        "lesson": lesson_id,
        "now": now,
        "earliest": now - max_credit_per_beat(),
        "per_minute": settings.STUDY_SECONDS_PER_MINUTE,
        "published": Course.Status.PUBLISHED.value,
        "professional": Role.PROFESSIONAL.value,
    }
    with connection.cursor() as cursor:  # one statement: atomic by itself
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    required, _moved, seconds, done_at = row
    return Beat(seconds=Decimal(seconds), required=int(required), done_at=done_at)


@transaction.atomic
def _portable_beat(person_id: int, lesson_id: int, now: datetime) -> Beat | None:
    enrolment = Enrolment.objects.filter(
        _is_professional(person_id),
        person_id=person_id,
        course__status=Course.Status.PUBLISHED,
        course__lessons=lesson_id,
    )
    moved = StudyClock.objects.filter(person_id=person_id, pk__in=enrolment.values("person_id"))
    # A beat older than the clock's last leaves it where it is (and credits nothing).
    older = Q(last_beat_at__gt=now)
    if not moved.update(
        previous_lesson=F("lesson_id"),
        previous_beat_at=F("last_beat_at"),
        lesson_id=Case(When(older, then=F("lesson_id")), default=Value(lesson_id)),
        last_beat_at=Case(When(older, then=F("last_beat_at")), default=Value(now)),
    ):
        return None
    # The clock row is locked by the UPDATE: this read and the write below are safe.
    progress = LessonProgress.objects.filter(enrolment=OuterRef("pk"), lesson_id=lesson_id)
    row = (
        enrolment.values("pk")
        .annotate(
            minutes=Subquery(Lesson.objects.filter(pk=lesson_id).values("minutes")),
            previous_lesson=Subquery(
                StudyClock.objects.filter(person_id=person_id).values("previous_lesson")
            ),
            previous_beat_at=Subquery(
                StudyClock.objects.filter(person_id=person_id).values("previous_beat_at")
            ),
            seconds=Subquery(progress.values("seconds")),
            done_at=Subquery(progress.values("done_at")),
        )
        .get()
    )
    required = row["minutes"] * settings.STUDY_SECONDS_PER_MINUTE
    seconds, done_at = row["seconds"] or Decimal(0), row["done_at"]
    previous = row["previous_beat_at"]
    if (
        row["previous_lesson"] == lesson_id
        and previous is not None
        and now - max_credit_per_beat() <= previous < now
    ):
        elapsed = Decimal((now - previous) // study_clock.MS).scaleb(-3)
        total = min(Decimal(required), seconds + elapsed)
        if total != seconds or (total >= required and done_at is None):
            seconds = total
            if seconds >= required and done_at is None:
                done_at = now
            LessonProgress.objects.bulk_create(
                [
                    LessonProgress(
                        enrolment_id=row["pk"],
                        lesson_id=lesson_id,
                        seconds=seconds,
                        done_at=done_at,
                    )
                ],
                update_conflicts=True,
                unique_fields=["enrolment", "lesson"],
                update_fields=["seconds", "done_at"],
            )
    return Beat(seconds=Decimal(seconds), required=required, done_at=done_at)


def studied_seconds(person, lesson, progress: LessonProgress | None) -> Decimal:
    """The time `person` has studied `lesson`: the database's, or the Redis clock's
    when it holds more (not yet flushed). With Redis unreachable, the database's: the
    lesson page still opens (its beats wait for Redis)."""
    seconds = progress.seconds if progress else Decimal(0)
    if study_clock.enabled():
        try:
            pending = study_clock.studied_seconds(_pk(person), _pk(lesson))
        except REDIS_ERRORS:
            return seconds
        if pending is not None and pending > seconds:
            return pending
    return seconds


def lessons_done(enrolment: Enrolment) -> bool:
    """True when every lesson of the enrolment's course is done. With Redis, the
    course's lessons are first written from the study clock to the database, so a
    lesson done in Redis whose own flush failed counts at once; with Redis
    unreachable, the database's state alone."""
    lesson_ids = list(
        Lesson.objects.filter(course_id=enrolment.course_id).values_list("pk", flat=True)
    )
    if study_clock.enabled() and lesson_ids:
        # Redis unreachable: the periodic flush writes them once it is back.
        with contextlib.suppress(*REDIS_ERRORS):
            study_clock.flush_lessons(enrolment.person_id, lesson_ids)
    done = enrolment.progress.filter(done_at__isnull=False).count()
    return done >= len(lesson_ids)


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


@transaction.atomic
def course_save(*, actor, form, rows) -> Course:
    """Save a course (a valid CourseForm) with its lessons (`rows`, a valid LessonFormSet of the
    same course), both or neither. `actor`: the user who edits it."""
    course = rows.save_with(form)
    audit_log(actor=actor, action="learning.course.saved", course=course.pk)
    return course


@transaction.atomic
def question_add(*, actor, course: Course, text: str, kind: str, choices) -> Question:
    """Add a quiz question at the end of `course`'s quiz, with its `choices`: pairs of
    (answer text, correct). `actor`: the user who edits the course."""
    question = Question.objects.create(
        course=course, text=text, kind=kind, order=course.questions.count()
    )
    Choice.objects.bulk_create(
        [Choice(question=question, text=answer, correct=correct) for answer, correct in choices]
    )
    audit_log(actor=actor, action="learning.question.added", course=course.pk, question=question.pk)
    return question


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    """Delete a quiz question and its choices. `actor`: the user who edits the course."""
    course_id, question_id = question.course_id, question.pk
    question.delete()
    audit_log(
        actor=actor, action="learning.question.deleted", course=course_id, question=question_id
    )
