"""What jobs share: a claim of the job row before the work (job_claim), and for
periodic (Celery beat) jobs at most one run a day (daily_claim).

A beat that fires twice (restarted, or two beats running by mistake) or a message
delivered again must not send the same reminders or queue the same reports twice.
`daily_claim` claims the day in the cache (cache.add is atomic in Redis: of two runs
at once, one wins) and gives the claim back when the run fails, so that it can be run
again the same day.
"""

from contextlib import contextmanager

from django.core.cache import cache
from django.utils import timezone

from portal.keyspace import namespace
from portal.models import JobStatus

# A day's claim is kept two days: longer than the day it names, in any time zone.
DAY_CLAIM_SECONDS = 2 * 24 * 60 * 60


def day_claim_key(job: str, day=None) -> str:
    """The cache key of the periodic job `job` ("credits.annual_reports") on `day`
    (default today, in the portal's time zone), in this deployment's namespace."""
    day = day or timezone.localdate()
    return f"beat:{namespace()}:{job}:{day.isoformat()}"


@contextmanager
def daily_claim(job: str):
    """Claim today's run of `job`; yields True for the first run of the day and False
    for any later one (the caller then does nothing). An exception in the block
    gives the claim back and propagates. Raises the cache's error when Redis is down
    (then the broker, the same Redis, delivers nothing either)."""
    key = day_claim_key(job)
    claimed = cache.add(key, timezone.now().isoformat(), DAY_CLAIM_SECONDS)
    try:
        yield claimed
    except BaseException:
        if claimed:
            cache.delete(key)
        raise


def job_claim(jobs, pk: int, *, resume: bool, **fields) -> bool:
    """Claim job `pk` among `jobs` (a queryset of a portal.models.Job subclass,
    filtered further where a job must be, say, confirmed) for this run: a conditional
    UPDATE to RUNNING (with `fields` set too) whose row count says whether this run
    won. A first delivery claims a QUEUED job only, so a second run of one job (the
    task queued twice) stops at once; a resume (`resume`: the task's message
    delivered again after its worker died, or a starting worker picking up what a
    killed one left) claims a RUNNING job too. A finished job is never claimed."""
    claimable = (JobStatus.QUEUED, JobStatus.RUNNING) if resume else (JobStatus.QUEUED,)
    return jobs.filter(pk=pk, status__in=claimable).update(status=JobStatus.RUNNING, **fields) == 1
