"""Outages answered as outages: a database or Redis that cannot be reached gives a
Chinese 503 with Retry-After (JSON for scripts), logged once as an outage, never a
500 logged as a server error; a throttle whose store is gone refuses deliberately;
the CSRF failure page is Chinese; a certificate batch counts each certificate."""

import logging

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from certificates import batches
from certificates import services as certificate_services
from certificates.models import IssuanceBatch
from portal.errors import outage_dependency
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_professional
from tests.portal.test_home import home_url

REDIS_GONE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


def database_gone(*args, **kwargs):
    """What Django raises when PostgreSQL is not there (psycopg's error, wrapped)."""
    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "服务暂时不可用，请稍后再试" in page


def assert_logged_as_outage(caplog):
    outages = [r for r in caplog.records if r.name == "portal.outage"]
    assert outages and all(r.levelno == logging.WARNING for r in outages)
    assert outages[0].getMessage().startswith("outage:")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_verification_while_redis_is_down_is_a_503_not_a_500(client, settings, caplog):
    settings.CACHES = REDIS_GONE
    response = client.post(
        reverse("certificates:verify_form"), {"serial": "SD2025000001", "name": "张三"}
    )
    assert_outage_page(response)
    assert_logged_as_outage(caplog)


@pytest.mark.django_db
def test_registration_while_redis_is_down_is_a_503(client, settings):
    settings.CACHES = REDIS_GONE
    response = client.post(reverse("portal:register"), {})
    assert_outage_page(response)


@pytest.mark.django_db
def test_a_page_whose_database_is_gone_is_a_chinese_503(client, alice, monkeypatch, caplog):
    client.force_login(alice)
    monkeypatch.setattr("portal.views.selectors.home_summary", database_gone)
    response = client.get(home_url("professional"))
    assert_outage_page(response)
    assert_logged_as_outage(caplog)


@pytest.mark.django_db
def test_the_session_read_in_middleware_while_the_database_is_gone_is_a_503(
    alice, monkeypatch, caplog
):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    monkeypatch.setattr("portal.middleware.memberships_of", database_gone)
    response = client.get(reverse("learning:catalog"))
    assert_outage_page(response)
    assert_logged_as_outage(caplog)


@pytest.mark.django_db
def test_the_study_heartbeat_gets_json_it_can_retry_on(client, alice, monkeypatch, caplog):
    client.force_login(alice)
    monkeypatch.setattr("learning.catalog.views.heartbeat", database_gone)
    response = client.post(reverse("learning:heartbeat", args=[1]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "服务暂时不可用，请稍后再试。"
    assert_logged_as_outage(caplog)


def test_a_fault_of_the_query_is_not_an_outage():
    try:
        raise psycopg.errors.SerializationFailure("could not serialize access")
    except psycopg.Error as error:
        wrapped = OperationalError(str(error))
        wrapped.__cause__ = error
    assert outage_dependency(wrapped) is None
    try:
        database_gone()
    except OperationalError as error:
        assert outage_dependency(error) == "database"


@pytest.mark.django_db
def test_the_csrf_failure_page_is_chinese(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("certificates:verify_form"), {"serial": "x", "name": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已过期" in page and "请返回上一页，刷新后重新提交。" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_a_batch_counts_each_certificate_as_it_is_issued(hr_a, unit_a, monkeypatch):
    for _ in range(3):
        make_compliant(make_professional(unit_a))
    batch = batches.batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)  # not run yet
    [chunk] = batches.batch_start(batch.pk)
    seen = []
    render = certificate_services.certificate_render

    def render_and_look(certificate_id):
        seen.append(IssuanceBatch.objects.get(pk=batch.pk).done)
        return render(certificate_id)

    monkeypatch.setattr(certificate_services, "certificate_render", render_and_look)
    batches.batch_issue_chunk(batch.pk, chunk)

    assert seen == [0, 1, 2]  # the page showed 1 / 3 after the first, not 0 / 3
    assert IssuanceBatch.objects.get(pk=batch.pk).done == 3
