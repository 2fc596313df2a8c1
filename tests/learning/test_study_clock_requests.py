"""The heartbeat request: what it costs (queries), what it refuses (JSON errors in
Chinese, crediting nothing) and that it keeps a studying learner logged in."""

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

from learning import study_clock
from learning.models import Course, LessonProgress
from learning.study import enrol
from learning.study_views import SESSION_RENEWED_KEY
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
        assert "membership" not in " ".join(q["sql"] for q in queries.captured_queries)

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

    def test_without_a_session_the_beat_is_a_json_401(self, client, alice, clock_mode):
        lesson = studying(client, alice)
        client.logout()
        response = client.post(beat_url(lesson.pk))
        assert response.status_code == 401
        assert response.json() == {
            "error": EXPIRED,
            "login_url": f"/login/?next=%2Flessons%2F{lesson.pk}%2F",
        }

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

    def test_a_get_is_refused(self, client, alice):
        lesson = studying(client, alice)
        assert client.get(beat_url(lesson.pk)).status_code == 405

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
