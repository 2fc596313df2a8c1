"""Sessions with Redis (portal.sessions, cached_db): read from Redis, kept in
PostgreSQL, so a Redis restart logs nobody out and a Redis outage leaves logged-in
pages serving; only logging out waits for Redis, so an ended session cannot come
back with Redis's copy of it."""

import logging

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.portal.test_outages import REDIS_GONE, assert_outage_page

pytestmark = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="sessions live in Redis only when REDIS_URL is set"
)

ACCOUNT = reverse("portal:my_account")
LOGIN = reverse("portal:login")
LOGOUT = reverse("portal:logout")


def log_in(client, person):
    response = client.post(LOGIN, {"username": person.id_number, "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def cached(session_key) -> bool:
    return caches["default"].get(KEY_PREFIX + session_key) is not None


def no_errors_logged(caplog):
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_a_login_is_kept_in_postgresql_and_in_redis(client, alice):
    assert django_settings.SESSION_ENGINE == "portal.sessions"
    key = log_in(client, alice)
    assert Session.objects.filter(session_key=key).exists()
    assert cached(key)


@pytest.mark.django_db
def test_a_redis_restart_logs_nobody_out(client, alice):
    key = log_in(client, alice)
    caches["default"].clear()  # what a Redis restarted without its data holds
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert alice.real_name in response.content.decode()
    assert cached(key)  # read back from PostgreSQL into Redis


@pytest.mark.django_db
def test_logged_in_pages_serve_while_redis_is_down(client, alice, settings, caplog):
    log_in(client, alice)
    settings.CACHES = REDIS_GONE
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert alice.real_name in response.content.decode()
    assert any(r.getMessage().startswith("outage: redis") for r in caplog.records)
    no_errors_logged(caplog)


@pytest.mark.django_db
def test_a_login_while_redis_is_down_holds_after_it_returns(client, alice, settings, caplog):
    up = settings.CACHES
    settings.CACHES = REDIS_GONE
    key = log_in(client, alice)
    assert client.get(ACCOUNT).status_code == 200
    no_errors_logged(caplog)

    settings.CACHES = up
    assert not cached(key)
    assert client.get(ACCOUNT).status_code == 200


@pytest.mark.django_db
def test_logout_waits_for_redis_so_the_session_cannot_come_back(client, alice, settings):
    key = log_in(client, alice)
    up = settings.CACHES
    settings.CACHES = REDIS_GONE
    assert_outage_page(client.post(LOGOUT))
    assert Session.objects.filter(session_key=key).exists()  # nothing ended half-way

    settings.CACHES = up
    assert client.get(ACCOUNT).status_code == 200  # still logged in, as she was
    client.post(LOGOUT)
    assert not Session.objects.filter(session_key=key).exists()
    assert not cached(key)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key  # the old cookie, kept
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
