"""The report job's protocol: the run claims its job, failures reach the user as a
message with the job number (the details go to the log), requests and retries are
audited, the beat jobs run once a day, and posted scopes and years that are no ids
are refused without a server error."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from credits import tasks
from credits.models import ReportJob
from credits.reports import report_request, report_run
from portal.jobs import day_claim_key
from portal.models import AuditLog, JobStatus

YEAR = 2024


@pytest.fixture
def queued(hr_a, unit_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # no worker yet
        return report_request(year=YEAR, requested_by=hr_a, scope="unit", target=unit_a)


@pytest.mark.django_db
class TestClaim:
    def test_a_queued_report_is_claimed_and_produced(self, queued):
        job = report_run(queued.pk)
        assert (job.status, job.done, job.error) == (JobStatus.DONE, 3, "")
        assert job.xlsx and job.pdf

    def test_a_second_run_of_a_running_report_stops_and_changes_nothing(self, queued):
        ReportJob.objects.filter(pk=queued.pk).update(status=JobStatus.RUNNING, done=1)
        job = report_run(queued.pk)
        assert (job.status, job.done) == (JobStatus.RUNNING, 1)
        assert not job.xlsx

    def test_a_message_delivered_again_after_its_worker_died_resumes_the_report(self, queued):
        ReportJob.objects.filter(pk=queued.pk).update(status=JobStatus.RUNNING, done=1)
        job = report_run(queued.pk, resume=True)
        assert (job.status, job.done) == (JobStatus.DONE, 3)

    @pytest.mark.parametrize("status", [JobStatus.DONE, JobStatus.FAILED])
    def test_a_finished_report_is_never_run_again(self, queued, status):
        ReportJob.objects.filter(pk=queued.pk).update(status=status, error="before")
        for resume in (False, True):
            job = report_run(queued.pk, resume=resume)
            assert (job.status, job.error, bool(job.xlsx)) == (status, "before", False)


@pytest.mark.django_db
def test_an_unexpected_failure_is_logged_and_shown_with_the_job_number(
    client, hr_a, queued, monkeypatch, caplog
):
    def broken(job):
        raise KeyError("unit")

    monkeypatch.setattr("credits.reports.report_compute", broken)
    with caplog.at_level(logging.ERROR, logger="credits.reports"):
        job = report_run(queued.pk)

    assert job.status == JobStatus.FAILED
    assert job.error == f"报表生成失败，请重试，或联系管理员（任务编号 {job.pk}）。"
    assert f"report {job.pk} failed" in caplog.text
    client.force_login(hr_a)
    page = client.get(reverse("credits:report", kwargs={"pk": job.pk})).content.decode()
    assert job.error in page
    assert "KeyError" not in page


@pytest.mark.django_db
class TestAudit:
    def test_a_request_is_audited_with_its_scope(self, hr_a, unit_a, queued):
        log = AuditLog.objects.get(action="credits.report.requested")
        assert log.actor == hr_a
        assert log.payload == {
            "report": queued.pk,
            "year": YEAR,
            "scope": "unit",
            "target": unit_a.pk,
        }

    def test_a_retry_is_audited_and_queues_the_report_once(
        self, client, hr_a, queued, django_capture_on_commit_callbacks
    ):
        ReportJob.objects.filter(pk=queued.pk).update(status=JobStatus.FAILED, error="出错")
        client.force_login(hr_a)
        url = reverse("credits:report_retry", kwargs={"pk": queued.pk})
        with django_capture_on_commit_callbacks(execute=False) as queued_tasks:
            first = client.post(url)
            second = client.post(url, follow=True)
        assert first.url == reverse("credits:report", kwargs={"pk": queued.pk})
        assert len(queued_tasks) == 1
        assert "该报表当前无需重试。" in second.content.decode()
        assert AuditLog.objects.filter(action="credits.report.retried", actor=hr_a).count() == 1
        assert ReportJob.objects.get(pk=queued.pk).status == JobStatus.QUEUED

    def test_purging_expired_files_is_audited_once_per_run(self, queued):
        from datetime import timedelta

        from django.utils import timezone

        from credits.reports import purge_expired_reports

        report_run(queued.pk)
        ReportJob.objects.filter(pk=queued.pk).update(expires_at=timezone.now() - timedelta(days=1))
        assert purge_expired_reports() == 1
        assert purge_expired_reports() == 0
        log = AuditLog.objects.get(action="credits.report.files_purged")
        assert log.payload == {"count": 1, "reports": [queued.pk]}


@pytest.mark.django_db
class TestPeriodicJobs:
    @pytest.fixture(autouse=True)
    def no_run_today(self):
        """Redis outlives the test database: forget the day's claims of earlier runs."""
        for job in ("annual_reports", "purge_expired_reports"):
            cache.delete(day_claim_key(f"credits.{job}"))
        yield
        for job in ("annual_reports", "purge_expired_reports"):
            cache.delete(day_claim_key(f"credits.{job}"))

    def test_the_annual_reports_are_queued_once_a_day(self, django_capture_on_commit_callbacks):
        from portal.models import City

        with django_capture_on_commit_callbacks(execute=False):
            first = tasks.annual_reports()
            second = tasks.annual_reports()
        assert first == 1 + City.objects.count()  # the province and every city
        assert second == 0
        assert ReportJob.objects.count() == first
        assert not ReportJob.objects.filter(requested_by__isnull=False).exists()

    def test_the_purge_runs_once_a_day(self, queued):
        from datetime import timedelta

        from django.utils import timezone

        report_run(queued.pk)
        assert tasks.purge_expired_reports() == 0  # nothing expired yet: today's run
        ReportJob.objects.filter(pk=queued.pk).update(expires_at=timezone.now() - timedelta(days=1))
        assert tasks.purge_expired_reports() == 0  # not again today
        assert not ReportJob.objects.get(pk=queued.pk).expired


def test_the_tasks_keep_their_registered_names():
    """Queued messages and the beat schedule name the tasks; they are defined beside
    their work now, under the names they had in credits.tasks."""
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    for name in (
        "credits.tasks.run_report",
        "credits.tasks.parse_offline_upload",
        "credits.tasks.annual_reports",
        "credits.tasks.purge_expired_reports",
    ):
        assert name in app.tasks
    assert tasks.run_report.name == "credits.tasks.run_report"
    assert tasks.parse_offline_upload.name == "credits.tasks.parse_offline_upload"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"credits.tasks.annual_reports", "credits.tasks.purge_expired_reports"} <= scheduled
    # Retries only where something retries: none of these does.
    for name in ("credits.tasks.run_report", "credits.tasks.parse_offline_upload"):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost
        assert not getattr(task, "autoretry_for", ())


@pytest.mark.django_db
class TestPostedValues:
    @pytest.mark.parametrize("pk", ["²", "１", "abc", "-1", "99999999999999999999", ""])
    def test_a_scope_id_that_is_no_id_is_a_404(self, client, hr_a, pk):
        client.force_login(hr_a)
        response = client.post(reverse("credits:report_new"), {"scope": f"unit:{pk}", "year": YEAR})
        assert response.status_code == 404
        assert not ReportJob.objects.exists()

    def test_a_unit_outside_the_scope_is_a_404(self, client, hr_a, unit_b):
        client.force_login(hr_a)
        response = client.post(
            reverse("credits:report_new"), {"scope": f"unit:{unit_b.pk}", "year": YEAR}
        )
        assert response.status_code == 404

    def test_the_province_is_for_provincial_hr_only(self, client, jinan_hr, province_hr):
        client.force_login(jinan_hr)
        assert (
            client.post(
                reverse("credits:report_new"), {"scope": "province", "year": YEAR}
            ).status_code
            == 404
        )
        client.force_login(province_hr)
        response = client.post(reverse("credits:report_new"), {"scope": "province", "year": YEAR})
        job = ReportJob.objects.get()
        assert response.url == reverse("credits:report", kwargs={"pk": job.pk})
        assert (job.scope, job.requested_by) == ("province", province_hr)

    @pytest.mark.parametrize("year", ["２０２４", "2024.0", "abc", "", "2019"])
    def test_a_year_without_a_rule_is_refused_with_a_message(self, client, hr_a, unit_a, year):
        client.force_login(hr_a)
        response = client.post(
            reverse("credits:report_new"), {"scope": f"unit:{unit_a.pk}", "year": year}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("credits:reports")
        assert "请选择已设定学时要求的年度" in response.content.decode()
        assert not ReportJob.objects.exists()
