from datetime import timedelta

import pytest
from django.utils import timezone

from learning.catalog import study_clock
from learning.catalog.services import enrol, heartbeat
from tests.learning.test_study import make_course


@pytest.mark.django_db
def test_healthz_reports_database_and_redis_up(client):
    study_clock.forget_all()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "database": "ok",
        "redis": "ok",
        "study_clock": {"status": "ok", "unflushed": 0, "last_flush_seconds": None},
    }


@pytest.mark.django_db
def test_healthz_reports_unreachable_redis_but_stays_up(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error")
    assert body["study_clock"]["status"].startswith("error")


@pytest.mark.django_db
def test_healthz_without_redis_has_no_study_clock_to_report(client, settings):
    settings.REDIS_URL = ""
    body = client.get("/healthz").json()
    assert body["redis"] == body["study_clock"]["status"] == "not configured"


@pytest.mark.django_db
def test_healthz_says_when_the_study_clock_is_no_longer_flushed(client, alice, monkeypatch):
    """The flush (Celery beat and a worker on the clock queue) must run every
    STUDY_FLUSH_SECONDS: /healthz shows what awaits it and how long ago it last ran,
    and "degraded" after 3 intervals without one — still 200: the site serves."""
    study_clock.forget_all()
    course = make_course(minutes=30)
    enrol(person=alice, course=course)
    lesson = course.lessons.first()
    start = study_clock.truncated(timezone.now())

    def at(seconds):
        moment = start + timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    def clock_health():
        response = client.get("/healthz")
        assert response.status_code == 200
        return response.json()["study_clock"]

    at(0)
    heartbeat(person=alice, lesson=lesson)
    at(30)
    heartbeat(person=alice, lesson=lesson)  # 30 s not yet flushed
    at(40)
    assert clock_health() == {"status": "ok", "unflushed": 1, "last_flush_seconds": 10.0}
    study_clock.flush()
    at(100)
    assert clock_health() == {"status": "ok", "unflushed": 0, "last_flush_seconds": 60.0}
    for seconds in range(60, 241, 30):  # she studies on; no flush runs any more
        at(seconds)
        heartbeat(person=alice, lesson=lesson)
    at(220)
    assert clock_health()["status"] == "ok"  # 180 s: three intervals, not more
    at(221)
    assert clock_health() == {"status": "degraded", "unflushed": 1, "last_flush_seconds": 181.0}
    study_clock.flush()
    assert clock_health()["status"] == "ok"
    study_clock.forget_all()
