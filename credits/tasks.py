"""Thin tasks over the report services (queued on commit, late acknowledgement)."""

from celery import shared_task

from credits import offline_jobs, reports


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_report(job_id: int) -> None:
    reports.report_run(job_id)


@shared_task
def purge_expired_reports() -> int:
    return reports.purge_expired_reports()


@shared_task
def annual_reports() -> int:
    return len(reports.annual_reports())


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=6 * 60, time_limit=7 * 60)
def parse_offline_upload(job_id: int) -> None:
    """Read a large offline-hours file (its reading process has 5 minutes of CPU)."""
    offline_jobs.offline_parse_run(job_id)
