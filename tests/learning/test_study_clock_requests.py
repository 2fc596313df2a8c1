"""The heartbeat request: what it costs (queries), what it refuses (JSON errors in
Chinese, crediting nothing) and that it keeps a studying learner logged in."""

import contextlib
import socket
import threading
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning.catalog import study_clock
from learning.catalog.services import enrol
from learning.catalog.views import SESSION_RENEWED_KEY
from learning.models import Course, LessonProgress
from portal.models import Membership, Role
from tests.learning.test_study import make_course
from tests.portal.test_outages import assert_logged_as_outage

EXPIRED = "登录已失效，学习时间已停止计入。请重新登录后继续学习。"


@pytest.fixture(params=["redis", "database"])
def clock_mode(request, settings):
    """Each test runs against the Redis clock and the database clock."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("the Redis study clock needs REDIS_URL")
        study_clock.forget_all()
    else:
        settings.REDIS_URL = ""
    return request.param


@pytest.fixture
def database_sessions(settings):
    """Sessions read from the database on every request: the counts below hold
    without the Redis session cache."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def beat_url(lesson_id) -> str:
    return reverse("learning:heartbeat", args=[lesson_id])


def studying(client, alice, minutes=30):
    course = make_course(minutes=minutes)
    enrol(person=alice, course=course)
    client.force_login(alice)
    return course.lessons.first()


@pytest.mark.django_db
class TestQueries:
    def test_a_beat_with_redis_reads_only_the_session_and_the_user(
        self, client, alice, settings, database_sessions, django_assert_max_num_queries
    ):
        if not settings.REDIS_URL:
            pytest.skip("the Redis study clock needs REDIS_URL")
        study_clock.forget_all()
        lesson = studying(client, alice)
        client.post(beat_url(lesson.pk))  # checks the enrolment, renews the session
        with django_assert_max_num_queries(2) as queries:
            response = client.post(beat_url(lesson.pk))
        assert response.status_code == 200
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "membership" not in sql  # no role is loaded
        assert "learning_" not in sql  # the clock is in Redis

    def test_a_beat_on_the_database_clock_takes_one_statement(
        self, client, alice, settings, database_sessions, django_assert_max_num_queries
    ):
        settings.REDIS_URL = ""
        lesson = studying(client, alice)
        client.post(beat_url(lesson.pk))  # the first beat ever makes the clock
        with django_assert_max_num_queries(3) as queries:
            client.post(beat_url(lesson.pk))
        # No role is loaded: the beat's statement only asks whether one exists.
        assert '"portal_membership".' not in " ".join(q["sql"] for q in queries.captured_queries)

    def test_the_database_check_is_made_again_after_its_time(
        self, client, alice, settings, monkeypatch
    ):
        if not settings.REDIS_URL:
            pytest.skip("the Redis study clock needs REDIS_URL")
        study_clock.forget_all()
        lesson = studying(client, alice)
        client.post(beat_url(lesson.pk))
        Course.objects.filter(lessons=lesson).update(status=Course.Status.DRAFT)
        later = timezone.now() + timedelta(seconds=settings.STUDY_TICKET_SECONDS + 1)
        monkeypatch.setattr(timezone, "now", lambda: later)
        response = client.post(beat_url(lesson.pk))
        assert response.status_code == 409
        assert response.json() == {"error": "该课程未开放学习。"}


@pytest.mark.django_db
class TestRefusals:
    def test_a_lesson_not_enrolled_in_or_not_open_credits_nothing(
        self, client, alice, bob, clock_mode
    ):
        course = make_course()
        lesson = course.lessons.first()
        enrol(person=bob, course=course)  # another person's enrolment
        client.force_login(alice)
        response = client.post(beat_url(lesson.pk))
        assert response.status_code == 409
        assert response.json() == {"error": "请先选课再学习课时。"}
        enrol(person=alice, course=course)
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        response = client.post(beat_url(lesson.pk))
        assert response.status_code == 409
        assert response.json() == {"error": "该课程未开放学习。"}
        assert not LessonProgress.objects.exists()

    @pytest.mark.parametrize(
        "lesson_id",
        ["abc", "١٢", "１２", "1e3", "-1", "0", "99999999999999999999", "9223372036854775807"],
    )
    def test_a_malformed_or_unknown_lesson_id_is_a_json_404(
        self, client, alice, clock_mode, lesson_id
    ):
        studying(client, alice)
        response = client.post(f"/lessons/{lesson_id}/heartbeat/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": "没有这个课时。"}

    def test_without_a_session_the_beat_is_a_json_401(self, alice, clock_mode):
        """As the page sends it: CSRF checked, the token from the csrftoken cookie in
        X-CSRFToken. The session has gone, the CSRF cookie has not: a 401 in JSON, not
        the CSRF failure page."""
        browser = Client(enforce_csrf_checks=True)
        lesson = studying(browser, alice)
        assert browser.get(reverse("learning:lesson", args=[lesson.pk])).status_code == 200
        token = browser.cookies[django_settings.CSRF_COOKIE_NAME].value
        assert browser.post(beat_url(lesson.pk), HTTP_X_CSRFTOKEN=token).status_code == 200
        Session.objects.all().delete()
        browser.cookies[django_settings.SESSION_COOKIE_NAME] = "gone"
        response = browser.post(beat_url(lesson.pk), HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 401
        assert response.json() == {
            "error": EXPIRED,
            "login_url": f"/login/?next=%2Flessons%2F{lesson.pk}%2F",
        }
        assert browser.post(beat_url(lesson.pk)).status_code == 403  # no token: refused

    def test_an_expired_session_gets_401_json_and_credits_nothing(self, client, alice, clock_mode):
        lesson = studying(client, alice)
        client.post(beat_url(lesson.pk))
        key = client.session.session_key
        Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
        engine = import_module(django_settings.SESSION_ENGINE)
        if hasattr(engine.SessionStore, "cache_key_prefix"):  # the Redis copy expires too
            caches[django_settings.SESSION_CACHE_ALIAS].delete(
                engine.SessionStore.cache_key_prefix + key
            )
        for _ in range(2):
            response = client.post(beat_url(lesson.pk))
            assert response.status_code == 401
            assert response.json()["error"] == EXPIRED
        assert not LessonProgress.objects.filter(seconds__gt=0).exists()
        assert not study_clock.enabled() or not study_clock.studied_seconds(alice.pk, lesson.pk)

    def test_a_person_whose_role_was_removed_earns_nothing(
        self, client, alice, clock_mode, settings, monkeypatch
    ):
        """The enrolment is not enough: the professional role is checked too (with
        Redis once per STUDY_TICKET_SECONDS; here shorter than a beat's credit)."""
        settings.STUDY_TICKET_SECONDS = 20
        lesson = studying(client, alice)
        start = timezone.now()
        assert client.post(beat_url(lesson.pk)).status_code == 200
        Membership.objects.filter(user=alice, role=Role.PROFESSIONAL).delete()
        for seconds in (25, 50):
            later = start + timedelta(seconds=seconds)
            monkeypatch.setattr(timezone, "now", lambda later=later: later)
            response = client.post(beat_url(lesson.pk))
            assert response.status_code == 409
            assert response.json() == {"error": "只有专业技术人员可以学习课时。"}
        if study_clock.enabled():
            study_clock.flush()
        assert not LessonProgress.objects.filter(seconds__gt=0).exists()

    def test_a_get_is_refused(self, client, alice):
        lesson = studying(client, alice)
        assert client.get(beat_url(lesson.pk)).status_code == 405

    def test_a_redis_that_does_not_answer_is_a_json_503_after_the_clock_timeout(
        self, client, alice, settings
    ):
        """A Redis that accepts connections and never answers (overloaded, or hung):
        the beat gives up after STUDY_CLOCK_REDIS_TIMEOUT (0.5 s by default, not
        redis-py's usual 5 s) and answers 503; the page beats again later."""
        lesson = studying(client, alice)
        silent = socket.create_server(("127.0.0.1", 0))
        accepted = []

        def accept():
            with contextlib.suppress(OSError):
                while True:
                    accepted.append(silent.accept()[0])

        threading.Thread(target=accept, daemon=True).start()
        assert django_settings.STUDY_CLOCK_REDIS_TIMEOUT == 0.5
        settings.STUDY_CLOCK_REDIS_TIMEOUT = 0.2
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        browser = Client(raise_request_exception=False)
        browser.force_login(alice)
        try:
            response = browser.post(beat_url(lesson.pk))
        finally:
            silent.close()
            for connection in accepted:
                connection.close()
        assert response.status_code == 503
        assert response.json()["error"] == "服务暂时不可用，请稍后再试。"
        assert accepted  # it did reach the silent Redis
        options = study_clock.client().connection_pool.connection_kwargs
        assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.2

    def test_a_redis_outage_is_a_json_503(self, client, alice, settings, caplog):
        lesson = studying(client, alice)
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        browser = Client(raise_request_exception=False)
        browser.force_login(alice)
        response = browser.post(beat_url(lesson.pk))
        assert response.status_code == 503
        assert response.json()["error"] == "服务暂时不可用，请稍后再试。"
        assert_logged_as_outage(caplog)


@pytest.mark.django_db
def test_two_tabs_in_two_sessions_earn_the_time_once(alice, clock_mode, monkeypatch):
    """Two browsers (two sessions) of one person, each beating every 30 s, 15 s
    apart, and one beat of each arriving after a later one of the other: the person
    earns the wall time once."""
    first, second = Client(), Client()
    lesson = studying(first, alice)
    second.force_login(alice)
    start = study_clock.truncated(timezone.now())
    # (tab, seconds after the start of its beat), in the order the server gets them:
    # the second's beat of 60 s and its beat of 105 s arrive after a later one.
    beats = [(first, 0), (second, 15), (first, 30), (second, 45), (first, 75)]
    beats += [(second, 60), (second, 90), (first, 120), (second, 105)]
    for tab, at in beats:
        moment = start + timedelta(seconds=at)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        assert tab.post(beat_url(lesson.pk)).status_code == 200
    if study_clock.enabled():
        assert study_clock.studied_seconds(alice.pk, lesson.pk) == 120
        study_clock.flush()
    assert LessonProgress.objects.get(lesson=lesson).seconds == 120


@pytest.mark.django_db
class TestSession:
    def expiry(self, client):
        return Session.objects.get(pk=client.session.session_key).expire_date

    def test_beats_renew_the_session_only_when_half_its_age_is_gone(
        self, client, alice, clock_mode
    ):
        lesson = studying(client, alice)
        client.post(beat_url(lesson.pk))
        session = client.session
        renewed = session[SESSION_RENEWED_KEY]
        session[SESSION_RENEWED_KEY] = renewed - 60  # a minute ago: the age is nearly whole
        session.save()
        before = self.expiry(client)
        client.post(beat_url(lesson.pk))
        assert self.expiry(client) == before  # not written again
        assert client.session[SESSION_RENEWED_KEY] == renewed - 60
        session = client.session
        session[SESSION_RENEWED_KEY] = renewed - django_settings.SESSION_COOKIE_AGE // 2
        session.save()
        Session.objects.filter(pk=session.session_key).update(
            expire_date=timezone.now() + timedelta(seconds=django_settings.SESSION_COOKIE_AGE // 2)
        )
        client.post(beat_url(lesson.pk))
        assert self.expiry(client) > timezone.now() + timedelta(
            seconds=django_settings.SESSION_COOKIE_AGE - 60
        )
        assert client.session[SESSION_RENEWED_KEY] >= renewed


@pytest.mark.django_db
def test_the_lesson_page_shows_time_not_yet_flushed(client, alice, settings, monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("the Redis study clock needs REDIS_URL")
    study_clock.forget_all()
    lesson = studying(client, alice)
    client.post(beat_url(lesson.pk))
    later = timezone.now() + timedelta(seconds=25.5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    seconds = client.post(beat_url(lesson.pk)).json()["seconds"]
    assert 25 < seconds < 26
    assert not LessonProgress.objects.exists()  # not flushed yet
    page = client.get(reverse("learning:lesson", args=[lesson.pk])).content.decode()
    assert f'data-seconds="{seconds:.3f}"' in page


@pytest.mark.django_db
def test_the_lesson_page_opens_while_redis_is_down(client, alice, settings):
    lesson = studying(client, alice)
    LessonProgress.objects.create(
        enrolment=alice.enrolments.get(), lesson=lesson, seconds=Decimal("12.5")
    )
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get(reverse("learning:lesson", args=[lesson.pk]))
    assert response.status_code == 200
    assert 'data-seconds="12.500"' in response.content.decode()
