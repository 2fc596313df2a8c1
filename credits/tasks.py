"""The ledger's Celery tasks, by the names they are registered under ("credits.tasks.
<function>": portal.settings' CELERY_BEAT_SCHEDULE and queued messages carry them).

The job tasks are defined beside their work, which queues them (the job protocol,
ARCHITECTURE.md): run_report in credits.reports, parse_offline_upload in
credits.offline_jobs; they are re-exported here for autodiscovery. This module imports
those modules, never the reverse. The two periodic (beat) tasks are here; each runs
at most once a day (portal.jobs.daily_claim). None retries.
"""

from celery import shared_task

from credits import reports
from credits.offline_jobs import parse_offline_upload  # noqa: F401
from credits.reports import run_report  # noqa: F401
from portal.jobs import daily_claim


@shared_task(name="credits.tasks.purge_expired_reports")
def purge_expired_reports() -> int:
    """Daily: delete the files of reports past their retention
    (reports.purge_expired_reports); how many were purged, 0 when it ran today."""
    with daily_claim("credits.purge_expired_reports") as first:
        return reports.purge_expired_reports() if first else 0


@shared_task(name="credits.tasks.annual_reports")
def annual_reports() -> int:
    """Yearly (REPORT_SCHEDULE_MONTH/DAY): queue every city's and the province's
    report of the previous year (reports.annual_reports); how many were queued, 0
    when it ran today already."""
    with daily_claim("credits.annual_reports") as first:
        return len(reports.annual_reports()) if first else 0
