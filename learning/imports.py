"""A platform's export file (xlsx or csv, the push fields as columns), previewed and
then processed on a worker in chunks through the push path (`ingest_records`)."""

import csv
import io
import logging
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from credits.models import CreditEntry, Source
from credits.services import ruled_years
from learning.ingest import FIELDS, check_record, ingest_records, people_by_id_number
from learning.models import ImportJob, ReceivedBatch
from portal.audit import audit_log
from portal.models import JobStatus
from portal.xlsx import UnreadableWorkbook

logger = logging.getLogger(__name__)
CHUNK = 1000
MAX_ROWS = 500_000


class BadImportFile(ValueError):
    """A file that is not such an export; the message is for the user."""


def iter_records(file, name: str) -> Iterator[dict]:
    """Yield the rows of an export as dicts of the push fields, streaming."""
    file.seek(0)
    if name.lower().endswith(".csv"):
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = [h.strip() for h in next(reader, [])]
        _check_header(header)
        for row in reader:
            if any(cell.strip() for cell in row):
                yield dict(zip(FIELDS, row, strict=False))
        text.detach()
        return
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl reports damage in many ways
        raise UnreadableWorkbook(str(error)) from error
    try:
        rows = workbook.worksheets[0].iter_rows(max_col=len(FIELDS), values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        _check_header(header)
        for row in rows:
            if any(v not in (None, "") for v in row):
                yield {
                    field: (value.isoformat() if hasattr(value, "isoformat") else value)
                    for field, value in zip(FIELDS, row, strict=False)
                }
    finally:
        workbook.close()


def _check_header(header: list[str]) -> None:
    if header[: len(FIELDS)] != list(FIELDS):
        raise BadImportFile(
            _("The columns must be, in this order: %(columns)s.") % {"columns": ", ".join(FIELDS)}
        )


def chunks(records: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    while chunk := list(islice(records, size)):
        yield chunk


def preview(file, name: str, platform) -> dict:
    """Counts of the rows, writing nothing: `new`, `duplicate` (already in the ledger),
    `repeated` (a repeat of an earlier row of this file) and `rejected` (with the
    reasons). Each row counts once, so the four add up to `rows`."""
    counts, reasons, seen, years, rows = Counter(), Counter(), set(), ruled_years(), 0
    for chunk in chunks(iter_records(file, name)):
        rows += len(chunk)
        if rows > MAX_ROWS:
            raise BadImportFile(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
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
        records = iter_records(file, job.file_name)
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
