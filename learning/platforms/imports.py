"""A platform's export file (xlsx, xls or csv; the push fields as columns, under
their Chinese headers or the field names), previewed and then processed on a worker
in chunks through the push path (`ingest_records`).

The job protocol: `import_create` stores the file and its preview (an ImportJob,
not confirmed); `import_confirm` marks it confirmed and queues `run_import` on commit;
`import_run` claims the job (a conditional UPDATE whose row count says whether it
won) and processes it chunk by chunk, each chunk committed with the progress that
says it is done, so that a task delivered again resumes where the last one stopped.
The task is defined here, beside the work, under its historical name
"learning.tasks.run_import" (learning/tasks.py re-exports it for autodiscovery)."""

import logging
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import CreditEntry, Source
from credits.services import ruled_years
from learning.platforms.models import ImportJob, ReceivedBatch
from learning.platforms.schema import FIELDS
from learning.platforms.services import check_record, ingest_records, people_by_id_number
from portal.actions import Refused
from portal.audit import audit_log
from portal.jobs import job_claim
from portal.models import JobStatus, Role
from portal.tabular import (
    Column,
    Table,
    TableError,
    TableSpec,
    id_number_column,
    name_column,
    register_template,
)

logger = logging.getLogger(__name__)
CHUNK = 1000
MAX_ROWS = 500_000


class BadImportFile(Refused):
    """A file that is not such an export (or cannot be read as a table); the message is
    for the user, in Chinese. Nothing is kept."""


IMPORT_SPEC = TableSpec(
    columns=(
        Column(
            "external_id",
            "记录编号",
            max_length=100,
            aliases=("external_id", "学习记录编号", "记录ID"),
            example="P-2025-000001",
        ),
        id_number_column("id_text", aliases=("id_number",)),
        name_column(aliases=("name",)),
        Column(
            "course_title",
            "课程名称",
            max_length=200,
            aliases=("course_title", "课程", "课程名"),
            example="医院感染防控专题培训",
        ),
        Column("hours", "学时", "hours", aliases=("hours", "学时数"), example=2),
        Column("category", "科目类别", aliases=("category", "类别", "科目"), example="专业科目"),
        Column(
            "completed_at",
            "完成时间",
            "datetime",
            aliases=("completed_at", "完成日期", "学习完成时间"),
            example="2025-03-18 10:00",
        ),
    ),
    max_rows=MAX_ROWS,
    max_bytes=64 * 1024 * 1024,
    max_unpacked=400 * 1024 * 1024,
    title=gettext_lazy("Platform records"),
)
register_template(
    "platform-records", IMPORT_SPEC, roles=(Role.PROVINCE_HR,), url_name="learning:import_template"
)
MAX_PROBLEMS_SHOWN = 20


def _field(value):
    """A typed value as the push API sends it (JSON: text, numbers as text)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def iter_rows(file) -> Iterator:
    """The export's data rows (portal.tabular.Row), streaming; TableError for a file
    that cannot be taken."""
    return Table(file, IMPORT_SPEC).rows()


def iter_records(file) -> Iterator[dict]:
    """Yield the rows of an export as dicts of the push fields."""
    for row in iter_rows(file):
        yield {key: _field(row.values.get(key)) for key in FIELDS}


def chunks(records: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    """The records in lists of `size` (the last one shorter)."""
    while chunk := list(islice(records, size)):
        yield chunk


def _readable(file) -> Iterator[dict]:
    """The records of a file whose every row reads; BadImportFile listing the rows
    that do not (a value that cannot be read, such as an ID number Excel stored as a
    number). What reads but is wrong (an unknown person, hours out of range) is
    rejected record by record, as the push API does; the same course under two
    record numbers is two records there too, so it is not refused here either."""
    problems, records = [], []
    for row in iter_rows(file):
        problems.extend(row.problems)
        if not problems:
            records.append({key: _field(row.values.get(key)) for key in FIELDS})
            if len(records) >= CHUNK:
                yield from records
                records = []
    if problems:
        raise BadImportFile(
            "；".join(problems[:MAX_PROBLEMS_SHOWN])
            + ("……" if len(problems) > MAX_PROBLEMS_SHOWN else "")
        )
    yield from records


def preview(file, name: str, platform) -> dict:
    """Counts of the rows, writing nothing: `new`, `duplicate` (already in the ledger),
    `repeated` (a repeat of an earlier row of this file) and `rejected` (with the
    reasons). Each row counts once, so the four add up to `rows`. TableError or
    BadImportFile for a file that cannot be taken (nothing is counted then)."""
    counts, reasons, seen, years, rows = Counter(), Counter(), set(), ruled_years(), 0
    for chunk in chunks(_readable(file)):
        rows += len(chunk)
        people = people_by_id_number(chunk)
        checked = [check_record(raw, platform, people, years) for raw in chunk]
        refs = [c.credit.source_ref for c in checked if c.credit]
        existing = set(
            CreditEntry.objects.filter(source=Source.PLATFORM, source_ref__in=refs).values_list(
                "source_ref", flat=True
            )
        )
        for item in checked:
            if item.credit is None:
                counts["rejected"] += 1
                reasons[item.row.reason] += 1
            elif item.credit.source_ref in existing:
                counts["duplicate"] += 1
            elif item.credit.source_ref in seen:
                counts["repeated"] += 1
            else:
                counts["new"] += 1
                seen.add(item.credit.source_ref)
    if not rows:
        raise BadImportFile(_("The file has no data rows."))
    return {"rows": rows, **counts, "reasons": reasons.most_common(20)}


def import_create(*, platform, upload, requested_by) -> ImportJob:
    """Preview an uploaded export of `platform` (`preview`: nothing is credited) and
    keep the file with its counts as an ImportJob awaiting confirmation (audited).

    Raises BadImportFile (nothing kept) for a file that cannot be taken: not a table
    of the export's columns, rows that cannot be read, no data rows."""
    try:
        summary = preview(upload, upload.name, platform)
    except TableError as error:
        raise BadImportFile(str(error)) from None
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            platform=platform,
            file_name=upload.name[:200],
            requested_by=requested_by,
            total=summary["rows"],
            preview=summary,
        )
        job.file.save(f"platform-imports/{timezone.now():%Y%m%d%H%M%S}-{upload.name}", upload)
        audit_log(
            actor=requested_by,
            action="learning.platform_import.uploaded",
            job=job.pk,
            platform=platform.code,
            file_name=job.file_name,
            rows=summary["rows"],
        )
    return job


def import_confirm(*, job: ImportJob, confirmed_by) -> ImportJob:
    """Confirm a previewed import and queue its processing (on commit). Confirming it
    again changes nothing (the conditional UPDATE's row count says so): the file is
    processed once."""
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, confirmed=False).update(confirmed=True)
        if updated:
            audit_log(actor=confirmed_by, action="learning.platform_import.confirmed", job=job.pk)
            run_import.delay_on_commit(job.pk)
    job.refresh_from_db()
    return job


def failure_message(job_id: int) -> str:
    """What the job's page says when processing failed for a reason users cannot act
    on (the details are in the log, under the job's number)."""
    return _(
        "Processing failed; please contact the administrator (job number %(job)s). "
        "The chunks already processed stay credited."
    ) % {"job": job_id}


def import_run(job_id: int) -> ImportJob | None:
    """Process a confirmed job's file; rows already done are skipped when resumed.

    Returns the job, or None when it cannot be claimed (unknown, not confirmed, or
    finished already). A failure marks the job failed, with the refusal's message when
    it is a Refused and failure_message() otherwise (then the error is logged with the
    job id and raised again); the chunks done stay done."""
    try:
        return _import_run(job_id)
    except (Refused, TableError) as error:  # a message for the user, in Chinese
        _fail(job_id, str(error))
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        logger.exception("platform import job %s failed", job_id)
        _fail(job_id, failure_message(job_id))
        raise


def _fail(job_id: int, error: str) -> None:
    ImportJob.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )


def _claim(job_id: int) -> bool:
    """Mark a confirmed, unfinished job running; False when there is none to claim.
    A job already running is claimed again: its task was delivered again after a
    worker was lost, and resumes it (the chunks' row lock keeps two deliveries from
    doing a chunk twice)."""
    return job_claim(ImportJob.objects.filter(confirmed=True), job_id, resume=True)


def _import_run(job_id: int) -> ImportJob | None:
    if not _claim(job_id):
        logger.info(
            "platform import job %s: nothing to claim (done, failed or unconfirmed)", job_id
        )
        return None
    job = ImportJob.objects.select_related("platform").get(pk=job_id)
    position = job.done  # rows of the file this delivery has gone past
    with job.file.open("rb") as file:
        records = iter_records(file)
        for _skipped in islice(records, position):
            pass
        for chunk in chunks(records):
            # The chunk and the progress that says it is done commit together; the
            # row lock keeps a second delivery of the task from doing it again.
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job_id)
                start, position = position, position + len(chunk)
                if locked.done > start:
                    continue  # another delivery did this chunk
                _batch, rows = ingest_records(
                    platform=job.platform, raws=chunk, channel=ReceivedBatch.Channel.FILE
                )
                outcome = Counter(r.outcome for r in rows)
                locked.done += len(rows)
                locked.credited += outcome["credited"]
                locked.duplicates += outcome["duplicate"]
                locked.rejected += outcome["rejected"]
                locked.save(update_fields=["done", "credited", "duplicates", "rejected"])
    ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@shared_task(name="learning.tasks.run_import", acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> None:
    """Celery: process an import job (`import_run`). Acknowledged late, so a job whose
    worker was lost is delivered again and resumes."""
    import_run(job_id)
