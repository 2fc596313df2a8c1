"""The ledger's Celery tasks, by the names they are registered under ("credits.tasks.
<function>": portal.settings' CELERY_BEAT_SCHEDULE and queued messages carry them).

The job tasks are defined beside their work, which queues them (the job protocol,
ARCHITECTURE.md): run_report in credits.reports, parse_offline_upload in
credits.offline_jobs; they are re-exported here for autodiscovery. This module imports
those modules, never the reverse. The two periodic (beat) tasks are here; each runs
at most once a day (first_run_today). None retries.
"""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from credits import reports
from credits.offline_jobs import parse_offline_upload  # noqa: F401
from credits.reports import run_report  # noqa: F401
from portal.keyspace import namespace

# A day's claim is kept two days: longer than the day it names, in any time zone.
DAY_CLAIM_SECONDS = 2 * 24 * 60 * 60


def day_claim_key(job: str, day=None) -> str:
    """The cache key of the periodic job `job`'s run on `day` (default today, in the
    portal's time zone), in this deployment's namespace."""
    day = day or timezone.localdate()
    return f"beat:{namespace()}:credits.{job}:{day.isoformat()}"


def first_run_today(job: str) -> bool:
    """Claim today's run of the periodic job `job`: True for the first run of the
    day, False for any later one (a beat that fired twice, two beats running, a
    message delivered again). cache.add is atomic in Redis, so of two runs at once
    one wins. Raises the cache's error when Redis is down (then the broker, the
    same Redis, delivers nothing either)."""
    return cache.add(day_claim_key(job), timezone.now().isoformat(), DAY_CLAIM_SECONDS)


@shared_task(name="credits.tasks.purge_expired_reports")
def purge_expired_reports() -> int:
    """Daily: delete the files of reports past their retention
    (reports.purge_expired_reports); how many were purged, 0 when it ran today."""
    if not first_run_today("purge_expired_reports"):
        return 0
    return reports.purge_expired_reports()


@shared_task(name="credits.tasks.annual_reports")
def annual_reports() -> int:
    """Yearly (REPORT_SCHEDULE_MONTH/DAY): queue every city's and the province's
    report of the previous year (reports.annual_reports); how many were queued, 0
    when it ran today already."""
    if not first_run_today("annual_reports"):
        return 0
    return len(reports.annual_reports())
