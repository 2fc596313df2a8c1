"""Large offline-hours files, read on a worker so that no request parses them.

A file over OFFLINE_UPLOAD_WORKER_BYTES goes this way:
1. the request runs the cheap checks of the shared reader (size, kind, and for an
   .xlsx what the archive declares: a decompression bomb is refused here, before any
   parser; the scan of its parts, which costs CPU, runs in the task's child), keeps
   the file in private storage, creates an OfflineParseJob and queues the task on
   commit; the page then polls the job;
2. the task reads the file in one forked child process whose memory is limited to
   OFFLINE_PARSE_MEMORY_MB more than it started with (`portal.tabular_worker`), and
   checks the rows chunk by chunk with the same code as a request
   (`parse_offline_chunks`), counting the rows read as the job's progress;
3. a good file becomes the same OfflineUpload awaiting confirmation as in a request;
   a file with bad rows keeps its row messages on the job; either way the stored file
   is deleted when the job ends, and nothing reaches the ledger before HR confirms.

`offline_file_receive` is the one way a file comes in (the upload page): it sends a
large file this way and reads a small one in the request. The task
`parse_offline_upload` is defined here, beside its work (the job protocol,
ARCHITECTURE.md; registered as "credits.tasks.parse_offline_upload" and re-exported
by credits.tasks).
"""

import logging
import os
import uuid
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import OfflineParseJob, OfflineUpload
from credits.offline_upload import (
    CHUNK_ROWS,
    SPEC,
    parse_offline_chunks,
    parse_offline_workbook,
    upload_store,
)
from portal import scoping
from portal.audit import audit_log
from portal.jobs import job_claim
from portal.limited import ReaderFailed, ReaderOutOfMemory, ReaderOutOfTime
from portal.models import JobStatus, Membership, Role
from portal.tabular import TableError, check_file, resource_message
from portal.tabular_worker import read_chunks_limited

logger = logging.getLogger(__name__)

# CPU seconds the reading process may use; the task's own limits are a little longer
# (parse_offline_upload, below). A full file (5,000 rows, 5 MB) reads in a few seconds.
READ_CPU_SECONDS = 5 * 60


def needs_worker(upload) -> bool:
    """Whether a file is read on a worker rather than in the request."""
    return upload.size > settings.OFFLINE_UPLOAD_WORKER_BYTES


@dataclass(frozen=True)
class Intake:
    """What became of an uploaded offline-hours file: queued to be read on a worker
    (`job`), kept as a preview awaiting confirmation (`preview`), or refused for its
    rows (`problems`, the row messages in row order; nothing was kept)."""

    job: OfflineParseJob | None = None
    preview: OfflineUpload | None = None
    problems: tuple[str, ...] = ()


def offline_file_receive(*, upload, actor: Membership) -> Intake:
    """Take an offline-hours file uploaded by unit HR `actor`.

    A file over OFFLINE_UPLOAD_WORKER_BYTES is queued for a worker
    (offline_parse_queue); a smaller one is read and checked here
    (parse_offline_workbook), against the people the actor may credit
    (portal.scoping.people_visible_to), and kept as a preview (upload_store) when
    every row is good. Raises TableError (a Refused) for a file that cannot be taken
    as a whole; nothing is kept then, nor when rows have problems."""
    unit, user = actor.unit, actor.user
    if needs_worker(upload):
        return Intake(job=offline_parse_queue(upload=upload, unit=unit, requested_by=user))
    parsed = parse_offline_workbook(
        upload, people=scoping.people_visible_to(actor), unit=unit, uploader=user
    )
    if parsed.errors:
        return Intake(problems=tuple(parsed.errors))
    return Intake(
        preview=upload_store(upload=upload, unit=unit, uploaded_by=user, rows=parsed.records())
    )


def offline_parse_queue(*, upload, unit, requested_by) -> OfflineParseJob:
    """Check the file cheaply, keep it and queue its reading (on commit).

    Raises TableError for a file the cheap checks refuse (too big, not a table, a
    decompression bomb); nothing is kept then."""
    check_file(upload, SPEC, scan=False)
    suffix = os.path.splitext(upload.name or "")[1].lower()[:10]
    with transaction.atomic():
        job = OfflineParseJob(unit=unit, requested_by=requested_by, file_name=upload.name[:200])
        upload.seek(0)
        job.file.save(f"offline-uploads/{uuid.uuid4().hex}{suffix}", upload, save=False)
        job.save()
        audit_log(
            actor=requested_by,
            action="credits.offline_upload.queued",
            job=job.pk,
            file_name=job.file_name,
        )
        parse_offline_upload.delay_on_commit(job.pk)
    return job


def memory_message() -> str:
    return _(
        "The file is too large: reading it exceeded the memory limit. "
        "Split it and upload the parts."
    )


def failed_message(job_id: int) -> str:
    """What the job's page says of a failure the reader did not name (logged)."""
    return _(
        "The file could not be checked because of an error on the server; nothing was "
        "saved. Please try again later, or contact the administrator (job number "
        "%(number)s)."
    ) % {"number": job_id}


def offline_parse_claim(job_id: int, *, resume: bool = False) -> bool:
    """Claim the job for this run: a conditional UPDATE to RUNNING whose row count
    says whether this run won it. A first delivery claims a QUEUED job only; a resume
    (`resume`: the task's message delivered again after its worker died) claims a
    RUNNING job too, and reads the file again from the start. A finished job is never
    claimed."""
    return job_claim(OfflineParseJob.objects, job_id, resume=resume, done=0)


def offline_parse_run(job_id: int, *, resume: bool = False) -> OfflineParseJob:
    """Claim the job (offline_parse_claim), then read and check its file; a run that
    loses the claim (a finished job, one another run is reading) changes nothing.

    Nothing is written before the end, so a job interrupted (a worker killed) is read
    again from the start when its task is delivered again. Ends DONE with `upload`
    (the preview), or FAILED with the row messages in `problems` (nothing written) or
    with `error`: the reader's message for a file it cannot take; memory_message()
    when the reading process ran out of memory or was killed; resource_message() when
    it ran out of time; the reader's "could not be read" when it failed otherwise;
    failed_message() (with the job number) for anything else. Details are logged with
    the job id."""
    if not offline_parse_claim(job_id, resume=resume):
        logger.info("offline parse job %s: already started or finished; this run stops", job_id)
        return OfflineParseJob.objects.get(pk=job_id)
    job = OfflineParseJob.objects.select_related("unit", "requested_by").get(pk=job_id)
    try:
        parsed = parse_offline_chunks(
            _counted(job_id, _read(job)),
            people=scoping.people_visible_to(_membership(job)),
            unit=job.unit,
            uploader=job.requested_by,
        )
    except TableError as error:
        return _finish(job, error=str(error))
    except ReaderOutOfMemory as error:
        logger.warning("offline parse job %s: the reader ran out of memory (%s)", job_id, error)
        return _finish(job, error=memory_message())
    except ReaderOutOfTime as error:
        logger.warning("offline parse job %s: the reader ran out of time (%s)", job_id, error)
        return _finish(job, error=resource_message())
    except ReaderFailed as error:  # e.g. a panic in calamine on a crafted value
        logger.error("offline parse job %s: the reader failed:\n%s", job_id, error)
        return _finish(job, error=_("The file could not be read as an Excel workbook."))
    except Exception:
        logger.exception("offline parse job %s failed", job_id)
        return _finish(job, error=failed_message(job_id))
    if parsed.errors:
        return _finish(job, problems=parsed.errors)
    return _finish(job, rows=parsed.records())


# The task may run a little longer than its reading process (READ_CPU_SECONDS).
@shared_task(
    bind=True,
    name="credits.tasks.parse_offline_upload",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=6 * 60,
    time_limit=7 * 60,
)
def parse_offline_upload(self, job_id: int) -> None:
    """Read a large offline-hours file (offline_parse_run; its reading process has 5
    minutes of CPU); queued on commit by offline_parse_queue. A message delivered
    again after its worker died resumes the job."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    offline_parse_run(job_id, resume=redelivered)


def _membership(job: OfflineParseJob) -> Membership | None:
    """The HR role the file was uploaded under (None if it has been taken away since:
    then nobody may be credited, and every row says so)."""
    return Membership.objects.filter(
        user=job.requested_by, role=Role.UNIT_HR, unit=job.unit
    ).first()


def _read(job: OfflineParseJob):
    return read_chunks_limited(
        job.file.path,
        name=job.file_name,
        spec=SPEC,
        size=CHUNK_ROWS,
        memory_mb=settings.OFFLINE_PARSE_MEMORY_MB,
        cpu_seconds=READ_CPU_SECONDS,
    )


def _counted(job_id: int, chunks):
    for chunk in chunks:
        OfflineParseJob.objects.filter(pk=job_id).update(done=F("done") + len(chunk))
        yield chunk


def _finish(job: OfflineParseJob, *, error="", problems=None, rows=None) -> OfflineParseJob:
    """End the job once (the row lock keeps a second delivery from storing a second
    preview) and delete its file."""
    with transaction.atomic():
        locked = OfflineParseJob.objects.select_for_update().get(pk=job.pk)
        if locked.finished:
            return locked
        if rows is not None:
            with job.file.open("rb") as handle:
                locked.upload = upload_store(
                    upload=File(handle, name=job.file_name),
                    unit=job.unit,
                    uploaded_by=job.requested_by,
                    rows=rows,
                )
        locked.status = JobStatus.DONE if rows is not None else JobStatus.FAILED
        locked.error = error[:500]
        locked.problems = problems or []
        locked.finished_at = timezone.now()
        name, locked.file = locked.file.name, ""
        locked.save()
    if name:
        job.file.storage.delete(name)
    return locked
