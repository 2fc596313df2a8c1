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
"""

import logging
import os
import uuid

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import OfflineParseJob
from credits.offline_upload import CHUNK_ROWS, SPEC, parse_offline_chunks, upload_store
from portal import scoping
from portal.audit import audit_log
from portal.models import JobStatus, Membership, Role
from portal.tabular import TableError, check_file, resource_message
from portal.tabular_worker import (
    ReaderFailed,
    ReaderOutOfMemory,
    ReaderOutOfTime,
    read_chunks_limited,
)

logger = logging.getLogger(__name__)

# CPU seconds the reading process may use; the task's own limits are a little longer
# (credits/tasks.py). A full file (5,000 rows, 5 MB) reads in a few seconds.
READ_CPU_SECONDS = 5 * 60


def needs_worker(upload) -> bool:
    """Whether a file is read on a worker rather than in the request."""
    return upload.size > settings.OFFLINE_UPLOAD_WORKER_BYTES


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
        from credits.tasks import parse_offline_upload

        parse_offline_upload.delay_on_commit(job.pk)
    return job


def memory_message() -> str:
    return _(
        "The file is too large: reading it exceeded the memory limit. "
        "Split it and upload the parts."
    )


def offline_parse_run(job_id: int) -> OfflineParseJob:
    """Read and check a job's file; a finished job is left as it is.

    Nothing is written before the end, so a job interrupted (a worker killed) is read
    again from the start when its task is delivered again. Ends DONE with `upload`
    (the preview), or FAILED with the row messages in `problems` (nothing written) or
    with `error`: the reader's message for a file it cannot take; memory_message()
    when the reading process ran out of memory or was killed; resource_message() when
    it ran out of time; the reader's "could not be read" when it failed otherwise; a
    general message for anything else. Details are logged with the job id."""
    job = OfflineParseJob.objects.select_related("unit", "requested_by").get(pk=job_id)
    if job.finished:
        return job
    OfflineParseJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, done=0)
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
        return _finish(
            job,
            error=_(
                "The file could not be checked because of an error on the server; "
                "nothing was saved. Please try again later."
            ),
        )
    if parsed.errors:
        return _finish(job, problems=parsed.errors)
    return _finish(job, rows=parsed.records())


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
