"""A platform's export file (xlsx, xls or csv; the push fields as columns, under
their Chinese headers or the field names), previewed and then processed on a worker
in chunks through the push path (`ingest_records`)."""

import logging
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import CreditEntry, Source
from credits.services import ruled_years
from learning.ingest import FIELDS, check_record, ingest_records, people_by_id_number
from learning.models import ImportJob, ReceivedBatch
from portal.audit import audit_log
from portal.models import JobStatus, Role
from portal.tabular import (
    Column,
    Table,
    TableSpec,
    id_number_column,
    name_column,
    register_template,
)

logger = logging.getLogger(__name__)
CHUNK = 1000
MAX_ROWS = 500_000


class BadImportFile(ValueError):
    """A file that is not such an export; the message is for the user."""


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
    summary = preview(upload, upload.name, platform)
    upload.seek(0)
    job = ImportJob(
        platform=platform,
        file_name=upload.name[:200],
        requested_by=requested_by,
        total=summary["rows"],
        preview=summary,
    )
    job.file.save(f"platform-imports/{timezone.now():%Y%m%d%H%M%S}-{upload.name}", upload)
    return job


def import_confirm(*, job: ImportJob, confirmed_by) -> ImportJob:
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, confirmed=False).update(confirmed=True)
        if updated:
            audit_log(actor=confirmed_by, action="learning.platform_import.confirmed", job=job.pk)
            from learning.tasks import run_import

            transaction.on_commit(lambda: run_import.delay(job.pk))
    job.refresh_from_db()
    return job


def import_run(job_id: int) -> ImportJob:
    """Process the file; rows already done are skipped when resumed. A failure marks
    the job failed with a message (the chunks done stay done)."""
    try:
        return _import_run(job_id)
    except Exception as error:
        logger.exception("platform import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            error=_("The import stopped: %(error)s") % {"error": error.__class__.__name__},
            finished_at=timezone.now(),
        )
        raise


def _import_run(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("platform").get(pk=job_id)
    if job.finished or not job.confirmed:
        return job
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING)
    with job.file.open("rb") as file:
        records = iter_records(file)
        for _skipped in islice(records, job.done):
            pass
        for chunk in chunks(records):
            # The chunk and the progress that says it is done commit together; the
            # row lock keeps a second delivery of the task from doing it again.
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job_id)
                if locked.done > job.done:
                    job = locked
                    continue
                _batch, rows = ingest_records(
                    platform=job.platform, raws=chunk, channel=ReceivedBatch.Channel.FILE
                )
                outcome = Counter(r.outcome for r in rows)
                job.done += len(rows)
                job.credited += outcome["credited"]
                job.duplicates += outcome["duplicate"]
                job.rejected += outcome["rejected"]
                job.save(update_fields=["done", "credited", "duplicates", "rejected"])
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job
