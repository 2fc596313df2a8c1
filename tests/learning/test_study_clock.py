"""The study clock in Redis: the same time as the database clock for the same beats,
one clock per person, flushes that neither double nor lose, and the bound on what a
Redis restart loses (settings.STUDY_FLUSH_SECONDS + 2 × STUDY_HEARTBEAT_SECONDS)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from learning.catalog import services as study
from learning.catalog import study_clock
from learning.catalog.services import StudyError, enrol, heartbeat, lessons_done
from learning.models import Course, Enrolment, LessonProgress
from tests.factories import UnitFactory, make_professional
from tests.learning.test_study import make_course

pytestmark = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="the Redis study clock needs REDIS_URL"
)


class Clock:
    """The portal's time, moved by the test: beats are timed to the millisecond."""

    def __init__(self):
        self.now = study_clock.truncated(timezone.now())

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += timedelta(milliseconds=round(seconds * 1000))


@pytest.fixture
def clock(monkeypatch):
    moving = Clock()
    monkeypatch.setattr(timezone, "now", moving)
    return moving


@pytest.fixture(autouse=True)
def redis_clock(settings):
    """The Redis clock, empty, with the default timing (30 s beats, 60 s flushes)."""
    url = settings.REDIS_URL
    settings.STUDY_HEARTBEAT_SECONDS = 30
    settings.STUDY_FLUSH_SECONDS = 60
    study_clock.forget_all()
    yield
    settings.REDIS_URL = url  # a test may have turned to the database clock
    study_clock.forget_all()


def stored(person, lesson) -> LessonProgress | None:
    return LessonProgress.objects.filter(enrolment__person=person, lesson=lesson).first()


# Gaps between beats in seconds: milliseconds, an instant (nothing), exactly the
# longest creditable gap (credited), just over it (nothing), a beat on another lesson
# (moves the clock, credits nothing), and on until the lesson's length caps the time.
GAPS = [0, 12.345, 29.999, 0, 60, 60.001, 30, "other", 7.5, 30, 25.125, 30, 30, 30, 30, 30]


def replay(person, lesson, other, clock, beat=heartbeat):
    results = []
    for gap in GAPS:
        if gap == "other":
            clock.advance(10)
            beat(person=person, lesson=other)
            continue
        clock.advance(gap)
        result = beat(person=person, lesson=lesson)
        results.append((result.seconds, result.done))
    return results


@pytest.mark.django_db
class TestSameTimeAsTheDatabase:
    def test_redis_and_both_database_paths_credit_the_same_milliseconds(
        self, clock, monkeypatch, settings
    ):
        course = make_course(minutes=5)
        lesson, other = course.lessons.all()
        unit = UnitFactory()
        people = [make_professional(unit) for _ in range(3)]
        for person in people:
            enrol(person=person, course=course)
        start = clock.now

        in_redis = replay(people[0], lesson, other, clock)

        settings.REDIS_URL = ""
        clock.now = start
        in_postgresql = replay(people[1], lesson, other, clock)
        clock.now = start
        monkeypatch.setattr(study, "_postgresql_beat", study._portable_beat)
        portable = replay(people[2], lesson, other, clock)

        assert in_redis == in_postgresql == portable
        seconds = [s for s, _done in in_redis]
        expected = ["0", "12.345", "42.344", "42.344", "102.344", "102.344"]
        assert seconds[:6] == [Decimal(x) for x in expected]
        assert seconds[-1] == 300 and in_redis[-1][1]  # capped at the lesson's length
        rows = [stored(p, lesson) for p in people]
        assert {(r.seconds, r.done_at) for r in rows} == {(Decimal(300), rows[1].done_at)}

    def test_beats_arriving_out_of_order_never_credit_a_second_twice(
        self, clock, monkeypatch, settings
    ):
        """Two tabs' beats can reach the server out of order: one older than the
        clock's last credits nothing and does not move the clock back (else the next
        beat would credit the overlap again)."""
        course = make_course(minutes=30)
        lesson, other = course.lessons.all()
        unit = UnitFactory()
        people = [make_professional(unit) for _ in range(3)]
        for person in people:
            enrol(person=person, course=course)
        start = clock.now
        # (lesson, seconds after the start), in the order the server gets them.
        arrivals = [
            (lesson, 0), (lesson, 30), (lesson, 50), (lesson, 45), (lesson, 75),
            (lesson, 60), (lesson, 105), (other, 120), (lesson, 115), (lesson, 140),
        ]  # fmt: skip

        def replay_arrivals(person):
            seconds = []
            for target, offset in arrivals:
                clock.now = start + timedelta(seconds=offset)
                beat = heartbeat(person=person, lesson=target)
                if target == lesson:
                    seconds.append(beat.seconds)
            return seconds

        in_redis = replay_arrivals(people[0])
        settings.REDIS_URL = ""
        in_postgresql = replay_arrivals(people[1])
        monkeypatch.setattr(study, "_postgresql_beat", study._portable_beat)
        portable = replay_arrivals(people[2])

        expected = [0, 30, 50, 50, 75, 75, 105, 105, 105]
        assert in_redis == in_postgresql == portable == [Decimal(x) for x in expected]
        # The wall time from the first beat to the last on the lesson, not a second more.
        assert stored(people[1], lesson).seconds == stored(people[2], lesson).seconds == 105

    def test_a_beat_for_a_course_not_open_or_not_enrolled_credits_nothing(self, clock, alice):
        course = make_course(status=Course.Status.DRAFT)
        lesson = course.lessons.first()
        Enrolment.objects.create(person=alice, course=course)
        with pytest.raises(StudyError, match="未开放"):
            heartbeat(person=alice, lesson=lesson)
        other = make_course()
        with pytest.raises(StudyError, match="请先选课"):
            heartbeat(person=alice, lesson=other.lessons.first())
        assert not LessonProgress.objects.exists()
        assert study_clock.studied_seconds(alice.pk, lesson.pk) is None


@pytest.mark.django_db
class TestOneClockPerPerson:
    def test_two_lessons_at_once_earn_nothing(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        first, second = course.lessons.all()
        for _ in range(10):
            heartbeat(person=alice, lesson=first)
            clock.advance(10)
            heartbeat(person=alice, lesson=second)
            clock.advance(10)
        assert study_clock.studied_seconds(alice.pk, first.pk) == 0
        assert study_clock.studied_seconds(alice.pk, second.pk) == 0

    def test_simultaneous_beats_credit_the_time_once(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)  # checks the database, starts the clock
        clock.advance(20)
        barrier = threading.Barrier(8)
        results = []

        def beat():
            barrier.wait(timeout=10)
            results.append(heartbeat(person=alice.pk, lesson=lesson.pk).seconds)

        threads = [threading.Thread(target=beat) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == [Decimal(20)] * 8
        assert study_clock.studied_seconds(alice.pk, lesson.pk) == 20


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_database_beats_credit_the_time_once(clock, settings):
    settings.REDIS_URL = ""
    person = make_professional(UnitFactory())
    course = make_course(minutes=30)
    enrol(person=person, course=course)
    lesson = course.lessons.first()
    heartbeat(person=person, lesson=lesson)
    clock.advance(20)
    barrier = threading.Barrier(6)

    def beat():
        try:
            barrier.wait(timeout=10)
            heartbeat(person=person.pk, lesson=lesson.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert stored(person, lesson).seconds == 20


@pytest.mark.django_db
class TestFlush:
    def study(self, person, lesson, clock, seconds, every=30):
        for _ in range(int(seconds // every)):
            clock.advance(every)
            heartbeat(person=person, lesson=lesson)

    def test_a_flush_writes_the_time_and_a_second_flush_changes_nothing(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 90)
        assert stored(alice, lesson) is None  # not yet flushed
        assert study_clock.flush() == 1
        assert stored(alice, lesson).seconds == 90
        assert study_clock.flush() == 0
        # The same rows written again (a flush that stopped before it could say so).
        study_clock.flush_lesson(alice.pk, lesson.pk)
        study_clock.flush_lesson(alice.pk, lesson.pk)
        assert stored(alice, lesson).seconds == 90

    def test_a_flush_stopped_half_way_is_resumed_without_doubling(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 60)
        r, p = study_clock.client(), study_clock.prefix()
        _beat, claim, _sync = study_clock._scripts()
        assert claim(keys=[f"{p}dirty", f"{p}flushing"]) == 1
        members = r.srandmember(f"{p}flushing", 10)
        study_clock._write(study_clock._read(members), durable=True)  # never taken off
        self.study(alice, lesson, clock, 30)
        assert study_clock.flush() == 2  # the rest of the stopped flush, then the new
        assert stored(alice, lesson).seconds == 90
        assert not r.exists(f"{p}flushing", f"{p}dirty")

    def test_a_beat_during_a_flush_is_neither_lost_nor_doubled(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 60)
        r, p = study_clock.client(), study_clock.prefix()
        _beat, claim, _sync = study_clock._scripts()
        claim(keys=[f"{p}dirty", f"{p}flushing"])
        members = r.srandmember(f"{p}flushing", 10)
        rows = study_clock._read(members)  # the flush has read 60 s …
        self.study(alice, lesson, clock, 30)  # … a beat adds 30 s …
        study_clock._write(rows, durable=True)  # … the flush writes 60 s
        r.srem(f"{p}flushing", *members)
        assert stored(alice, lesson).seconds == 60
        study_clock.flush()
        assert stored(alice, lesson).seconds == 90
        study_clock.flush()
        assert stored(alice, lesson).seconds == 90

    def test_a_restart_between_flushes_loses_at_most_the_bound(self, clock, alice, settings):
        course = make_course(minutes=60)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        started = clock.now
        self.study(alice, lesson, clock, 300)
        study_clock.flush()  # the beat task, on schedule …
        self.study(alice, lesson, clock, settings.STUDY_FLUSH_SECONDS)  # … due again now
        study_clock.forget_all()  # Redis restarts: every key of the clock is gone
        self.study(alice, lesson, clock, 240)  # beats go on: the clock starts again
        study_clock.flush()
        studied = Decimal((clock.now - started) // timedelta(milliseconds=1)) / 1000
        bound = settings.STUDY_FLUSH_SECONDS + 2 * settings.STUDY_HEARTBEAT_SECONDS
        assert studied == 600
        assert stored(alice, lesson).seconds >= studied - bound
        # What went: the unflushed minute and the beat across the restart.
        assert stored(alice, lesson).seconds == studied - 60 - 30

    def test_a_done_lesson_is_written_at_once_and_survives_a_restart(self, clock, alice):
        course = make_course(minutes=1, lessons=1)
        enrolment = enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 30)
        assert not lessons_done(enrolment)
        self.study(alice, lesson, clock, 30)  # no flush ran
        assert lessons_done(enrolment)  # the quiz's check sees it
        progress = stored(alice, lesson)
        assert progress.seconds == 60 and progress.done_at == clock.now
        study_clock.forget_all()
        self.study(alice, lesson, clock, 60)
        study_clock.flush()
        assert stored(alice, lesson).seconds == 60
        assert stored(alice, lesson).done_at == progress.done_at

    def test_after_restoring_an_older_snapshot_the_clock_goes_on_from_the_database(
        self, clock, alice
    ):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 90)
        study_clock.flush()
        assert stored(alice, lesson).seconds == 90
        # Redis comes back from a snapshot taken when 30 s were studied.
        key = f"{study_clock.prefix()}p:{alice.pk}:{lesson.pk}"
        study_clock.client().hset(key, "ms", 30_000)
        self.study(alice, lesson, clock, 30)  # Redis: 60 s, below the database's 90 s
        study_clock.flush()
        assert stored(alice, lesson).seconds == 90  # the larger kept …
        assert study_clock.studied_seconds(alice.pk, lesson.pk) == 90  # … and written back
        self.study(alice, lesson, clock, 60)
        study_clock.flush()
        assert stored(alice, lesson).seconds == 150  # goes on from the database's time

    def test_a_flush_inside_a_transaction_is_refused_and_loses_nothing(self, clock, alice):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 60)
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            study_clock.flush()  # its rows would leave `flushing` before they commit
        assert stored(alice, lesson) is None
        assert study_clock.flush() == 1
        assert stored(alice, lesson).seconds == 60

    def test_a_flushed_lesson_is_kept_in_redis_only_briefly(self, clock, alice, settings):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        lesson = course.lessons.first()
        key = f"{study_clock.prefix()}p:{alice.pk}:{lesson.pk}"
        r = study_clock.client()
        briefly = settings.STUDY_TICKET_SECONDS * 1000
        heartbeat(person=alice, lesson=lesson)
        assert 0 < r.pttl(key) <= briefly  # what the database holds: nothing to lose
        self.study(alice, lesson, clock, 60)
        assert r.pttl(key) > briefly  # unflushed time is kept until a flush writes it
        study_clock.flush()
        assert 0 < r.pttl(key) <= briefly
        # A beat while a flush writes: its time is not written yet, so the hash stays.
        self.study(alice, lesson, clock, 30)
        p = study_clock.prefix()
        _beat, claim, _sync = study_clock._scripts()
        claim(keys=[f"{p}dirty", f"{p}flushing"])
        members = r.srandmember(f"{p}flushing", 10)
        rows = study_clock._read(members)
        self.study(alice, lesson, clock, 30)
        study_clock._sync(study_clock._write(rows, durable=True))
        r.srem(f"{p}flushing", *members)
        assert stored(alice, lesson).seconds == 90  # written; the last 30 s are not yet
        assert r.pttl(key) > briefly
        study_clock.flush()
        assert 0 < r.pttl(key) <= briefly
        # Once gone, the next beat reseeds it from the database: nothing is lost.
        r.delete(key)
        self.study(alice, lesson, clock, 30)
        study_clock.flush()
        assert stored(alice, lesson).seconds == 150

    def test_the_flush_writes_only_to_the_persons_own_enrolment(self, clock, alice, bob):
        course = make_course(minutes=30)
        enrol(person=alice, course=course)
        bobs = enrol(person=bob, course=course)
        lesson = course.lessons.first()
        heartbeat(person=alice, lesson=lesson)
        self.study(alice, lesson, clock, 60)
        # A stale key (a database restored from a backup, say) names bob's enrolment.
        key = f"{study_clock.prefix()}p:{alice.pk}:{lesson.pk}"
        study_clock.client().hset(key, "e", bobs.pk)
        study_clock.flush()
        assert not LessonProgress.objects.exists()


@pytest.mark.django_db
def test_a_lesson_done_whose_own_flush_failed_opens_the_quiz_at_once(clock, alice, client):
    course = make_course(minutes=1, lessons=1)
    enrolment = enrol(person=alice, course=course)
    lesson = course.lessons.first()
    heartbeat(person=alice, lesson=lesson)
    clock.advance(30)
    heartbeat(person=alice, lesson=lesson)
    clock.advance(30)
    # The beat that finishes the lesson, without the flush that follows it (the
    # database failed at that moment, say).
    assert study_clock.beat(alice.pk, lesson.pk, clock.now).finished
    assert stored(alice, lesson) is None
    client.force_login(alice)
    response = client.get(reverse("learning:quiz", args=[course.pk]))
    assert response.status_code == 200  # not sent back to "finish every lesson"
    assert stored(alice, lesson).done_at == clock.now
    assert lessons_done(enrolment)


def test_the_flush_has_a_queue_of_its_own_that_workers_consume():
    """Behind a long report or PDF batch every flush would expire: the flush task
    goes to CELERY_CLOCK_QUEUE, which a worker started without -Q consumes beside
    the default queue (`make worker`)."""
    from learning.tasks import flush_study_clock
    from portal.celery import app

    route = app.amqp.router.route({}, flush_study_clock.name)
    assert route["queue"].name == django_settings.CELERY_CLOCK_QUEUE == "clock"
    assert app.amqp.router.route({}, "credits.tasks.annual_reports")["queue"].name == "celery"
    # What `celery worker` without -Q consumes:
    assert [queue.name for queue in django_settings.CELERY_TASK_QUEUES] == ["celery", "clock"]


def test_a_queued_flush_lands_on_the_clock_queue_and_nowhere_else():
    """Through the real broker: the message is in the clock queue's list only (two
    queues sharing one binding would each get every task)."""
    from learning.tasks import flush_study_clock
    from portal.celery import app

    broker = redis.Redis.from_url(app.conf.broker_url)
    before = {queue: broker.llen(queue) for queue in ("celery", "clock")}
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = flush_study_clock.apply_async()
        after = {queue: broker.llen(queue) for queue in ("celery", "clock")}
    finally:
        app.conf.task_always_eager = eager
        for queue in ("celery", "clock"):
            for message in broker.lrange(queue, 0, -1):
                if result.id.encode() in message:
                    broker.lrem(queue, 0, message)
    assert after == {"celery": before["celery"], "clock": before["clock"] + 1}


@pytest.mark.django_db
def test_celery_beat_flushes_the_clock_every_interval(clock, alice, eager_celery):
    from learning.tasks import flush_study_clock

    entry = django_settings.CELERY_BEAT_SCHEDULE["flush-study-clock"]
    assert entry["task"] == flush_study_clock.name
    assert entry["schedule"] == django_settings.STUDY_FLUSH_SECONDS
    course = make_course(minutes=30)
    enrol(person=alice, course=course)
    lesson = course.lessons.first()
    for _ in range(3):
        heartbeat(person=alice, lesson=lesson)
        clock.advance(30)
    assert flush_study_clock.delay().get() == 1
    assert stored(alice, lesson).seconds == 60
