"""The certificate jobs (issue 18's job protocol): a batch is started once, a job that
fails on an error shows its number in Chinese and logs the error, never its class
name; the tasks keep the names queued messages carry; every page declares its guard,
and a posted city that is no id answers 404."""

import logging

import pytest
from django.urls import reverse

from certificates import batches
from certificates import services as certificate_services
from certificates.models import Bundle, Certificate, IssuanceBatch
from certificates.services import CertificateError, certificate_issue
from portal.actions import Refused
from portal.models import AuditLog, JobStatus
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_professional

TASK_NAMES = [
    "certificates.tasks.render_certificate",
    "certificates.tasks.render_statement",
    "certificates.tasks.render_title_document",
    "certificates.tasks.run_batch",
    "certificates.tasks.issue_chunk",
    "certificates.tasks.render_bundle",
]


def storage_full(certificate_id):
    raise OSError(28, "No space left on device")


@pytest.mark.django_db
class TestBatchClaim:
    def test_a_batch_started_twice_hands_out_its_work_once(self, hr_a, unit_a):
        people = [make_compliant(make_professional(unit_a)) for _ in range(2)]
        batch = batches.batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)  # not run yet

        assert batches.batch_start(batch.pk) == [sorted(p.pk for p in people)]
        assert batches.batch_start(batch.pk) == []  # the claim was lost: nothing queued
        assert IssuanceBatch.objects.get(pk=batch.pk).status == JobStatus.RUNNING

    def test_a_resume_claims_a_running_batch_a_killed_worker_left(self, hr_a, unit_a):
        person = make_compliant(make_professional(unit_a))
        batch = batches.batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)
        batches.batch_start(batch.pk)

        assert batches.batch_start(batch.pk, resume=True) == [[person.pk]]

    def test_a_finished_batch_is_never_claimed_again(self, hr_a, unit_a):
        person = make_compliant(make_professional(unit_a))
        batch = batches.batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)
        [chunk] = batches.batch_start(batch.pk)
        batches.batch_issue_chunk(batch.pk, chunk)
        assert IssuanceBatch.objects.get(pk=batch.pk).status == JobStatus.DONE
        certificate_services.certificate_revoke(  # work again, as far as the facts go
            certificate=Certificate.objects.get(person=person),
            category="corrected",
            reason="更正",
            revoked_by=hr_a,
        )

        assert batches.batch_start(batch.pk, resume=True) == []
        assert Certificate.objects.filter(person=person).count() == 1


@pytest.mark.django_db
class TestJobFailures:
    def test_a_batch_that_fails_shows_its_number_and_logs_the_error(
        self,
        client,
        hr_a,
        unit_a,
        eager_celery,
        django_capture_on_commit_callbacks,
        monkeypatch,
        caplog,
    ):
        make_compliant(make_professional(unit_a))
        monkeypatch.setattr(certificate_services, "certificate_render", storage_full)
        client.force_login(hr_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("certificates:batch_new"), {"year": YEAR})

        batch = IssuanceBatch.objects.get()
        assert batch.status == JobStatus.FAILED and batch.finished_at
        page = client.get(response.url).content.decode()
        assert f"批量发证因故障中止，请联系管理员（任务编号 {batch.pk}）。" in page
        assert "OSError" not in page and "No space left" not in page
        [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert f"certificates.issuancebatch {batch.pk} failed" in logged.getMessage()
        assert "No space left on device" in logged.exc_text

    def test_a_bundle_that_fails_shows_its_number(
        self,
        client,
        hr_a,
        alice,
        eager_celery,
        django_capture_on_commit_callbacks,
        monkeypatch,
        caplog,
    ):
        make_compliant(alice)
        certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)

        def broken_template(certificates, **kwargs):
            raise KeyError("qr")

        monkeypatch.setattr(batches, "certificate_html", broken_template)
        client.force_login(hr_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("certificates:bundle_new"), {"year": YEAR})

        bundle = Bundle.objects.get()
        assert bundle.status == JobStatus.FAILED
        page = client.get(response.url).content.decode()
        assert f"证书打印合集生成失败，请联系管理员（任务编号 {bundle.pk}）。" in page
        assert "KeyError" not in page
        assert any(r.levelno == logging.ERROR for r in caplog.records)

    def test_a_bundle_request_is_audited(self, client, hr_a, unit_a):
        client.force_login(hr_a)
        client.post(reverse("certificates:bundle_new"), {"year": YEAR})
        bundle = Bundle.objects.get()
        entry = AuditLog.objects.get(action="certificates.bundle.created")
        assert (entry.actor, entry.payload["bundle"], entry.payload["year"]) == (
            hr_a,
            bundle.pk,
            YEAR,
        )


def test_the_tasks_keep_the_names_queued_messages_carry():
    from certificates import tasks
    from portal.celery import app

    assert {getattr(tasks, name.rpartition(".")[2]).name for name in TASK_NAMES} == set(TASK_NAMES)
    assert set(TASK_NAMES) <= set(app.tasks)


def test_certificate_refusals_are_refusals_the_action_helpers_show():
    assert issubclass(CertificateError, Refused)


@pytest.mark.django_db
@pytest.mark.parametrize("city", ["²", "１", "abc", "-1", "99999999999999999999"])
def test_a_posted_city_that_is_no_id_is_a_404(client, province_hr, city):
    client.force_login(province_hr)
    response = client.post(reverse("certificates:batch_new"), {"year": YEAR, "city": city})
    assert response.status_code == 404
    assert not IssuanceBatch.objects.exists()
