"""Offline training hours registered by unit HR from an Excel workbook.

A workbook is all or nothing: every row is checked, and a single bad row rejects
the file with row-by-row messages and writes nothing. A good file is kept as an
OfflineUpload awaiting confirmation; confirming posts its rows in one batch, keyed
by the unit and the row key, so that uploading the same file again credits nothing.
"""

import contextlib
import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import Category, CreditEntry, OfflineUpload, Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from portal.audit import audit_log
from portal.identity import validate_id_number
from portal.xlsx import read_rows

COLUMNS = ["身份证号", "姓名", "科目类别", "学时", "日期", "培训内容", "记录编号"]
CATEGORY_WORDS = {
    "公需": Category.PUBLIC,
    "公需科目": Category.PUBLIC,
    "专业": Category.PROFESSIONAL,
    "专业科目": Category.PROFESSIONAL,
}
MAX_ROWS = 5000
CONTENT_LIMIT = 200
KEY_LIMIT = 100
TEMPLATE_EXAMPLE = [
    "370102198506150012",
    "张三",
    "专业科目",
    6,
    "2025-03-18",
    "医院感染防控专题培训",
    "2025-001",
]


@dataclass
class ParsedUpload:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    return datetime.date.fromisoformat(text)


def _row_error(number: int, message: str) -> str:
    return _("Row %(row)s: %(message)s") % {"row": number, "message": message}


def entry_ref(unit_id: int, key: str) -> str:
    return f"offline:{unit_id}:{key}"


def parse_offline_workbook(upload, *, people, unit, uploader) -> ParsedUpload:
    """Check every row; `people` is the queryset of professionals the HR may credit.

    A row key already in the ledger for this unit is fine when the row is the same
    record (it is shown as credited before); reused for another record, it is an error.
    """
    result = ParsedUpload()
    header, data, too_many = read_rows(upload, MAX_ROWS, len(COLUMNS))
    header = header[: len(COLUMNS)]
    if header != COLUMNS:
        result.errors.append(
            _("The columns must be, in this order: %(columns)s. Please use the template.")
            % {"columns": "、".join(COLUMNS)}
        )
        return result
    if too_many:
        result.errors.append(_("At most %(max)s rows per file.") % {"max": MAX_ROWS})
        return result
    if not data:
        result.errors.append(_("The file has no data rows."))
        return result

    numbers = set()
    for row in data:
        with contextlib.suppress(ValidationError):
            numbers.add(validate_id_number(str(row[0] or "")))
    known = {p.id_number: p for p in people.filter(id_number__in=numbers)}
    years, today, seen_keys = ruled_years(), timezone.localdate(), {}

    for number, row in enumerate(data, start=2):
        row = (list(row) + [None] * len(COLUMNS))[: len(COLUMNS)]
        id_number, name, category, hours, date, content, key = row
        problems = []
        person = None
        try:
            id_number = validate_id_number(str(id_number or ""))
            person = known.get(id_number)
            if id_number == uploader.id_number:
                person = None
                problems.append(_("you cannot register hours for yourself"))
            elif person is None:
                problems.append(_("no professional of your unit has this ID card number"))
            elif str(name or "").strip() != person.real_name:
                problems.append(_("the name does not match the ID card number"))
        except ValidationError as error:
            problems.append(error.messages[0])
        category_value = CATEGORY_WORDS.get(str(category or "").strip())
        if category_value is None:
            problems.append(_("the category must be 公需科目 or 专业科目"))
        try:
            hours = clean_hours(hours if hours is not None else "")
            if hours > 100:
                problems.append(_("more than 100 hours in one row"))
        except LedgerError as error:
            problems.append(str(error))
        try:
            date = _parse_date(date)
            if date > today:
                problems.append(_("the date is in the future"))
            elif date.year not in years:
                problems.append(_("there is no rule for the year %(year)s") % {"year": date.year})
        except (TypeError, ValueError):
            problems.append(_("the date must look like 2025-03-18"))
        content = str(content or "").strip()
        if not content:
            problems.append(_("the training content is empty"))
        elif len(content) > CONTENT_LIMIT:
            problems.append(
                _("the training content is longer than %(max)s characters") % {"max": CONTENT_LIMIT}
            )
        key = str(key or "").strip()
        if not key:
            problems.append(_("the row key is empty"))
        elif len(key) > KEY_LIMIT:
            problems.append(_("the row key is longer than %(max)s characters") % {"max": KEY_LIMIT})
        elif key in seen_keys:
            problems.append(
                _("the row key %(key)s is used in row %(other)s too")
                % {"key": key, "other": seen_keys[key]}
            )
        else:
            seen_keys[key] = number
        if problems:
            result.errors.append(_row_error(number, "；".join(str(p) for p in problems)))
            continue
        result.rows.append(
            {
                "row": number,
                "person_id": person.pk,
                "id_number": id_number,
                "name": person.real_name,
                "category": category_value,
                "hours": str(hours),
                "date": date.isoformat(),
                "content": content,
                "key": key,
            }
        )
    _compare_with_ledger(result, unit)
    return result


def _compare_with_ledger(result: ParsedUpload, unit) -> None:
    """Mark rows credited before; refuse a row key reused for a different record."""
    refs = {entry_ref(unit.pk, row["key"]): row for row in result.rows}
    existing = CreditEntry.objects.filter(source=Source.OFFLINE, source_ref__in=list(refs))
    for entry in existing:
        row = refs[entry.source_ref]
        same = (
            entry.person_id == row["person_id"]
            and entry.category == row["category"]
            and entry.hours == Decimal(row["hours"])
            and entry.occurred_on.isoformat() == row["date"]
        )
        if same:
            row["credited_before"] = True
        else:
            result.errors.append(
                _row_error(
                    row["row"],
                    _(
                        "the row key %(key)s was used before for another record "
                        "(entry #%(entry)s); use a new key"
                    )
                    % {"key": row["key"], "entry": entry.pk},
                )
            )


def upload_store(*, upload, unit, uploaded_by, rows: list[dict]) -> OfflineUpload:
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    stored = OfflineUpload.objects.create(
        unit=unit, uploaded_by=uploaded_by, file_name=upload.name[:200], sha256=digest, rows=rows
    )
    audit_log(actor=uploaded_by, action="credits.offline_upload.previewed", upload=stored.pk)
    return stored


@transaction.atomic
def upload_confirm(*, stored: OfflineUpload, confirmed_by, people) -> OfflineUpload:
    """Post the rows once; a second confirmation of the same upload does nothing.

    `people` is who the HR may credit now: somebody who left the unit between the
    preview and the confirmation stops the whole upload (LedgerError).
    """
    stored = OfflineUpload.objects.select_for_update().get(pk=stored.pk)
    if stored.status == OfflineUpload.Status.CONFIRMED:
        return stored
    wanted = {row["person_id"] for row in stored.rows}
    allowed = set(people.filter(pk__in=wanted).values_list("pk", flat=True))
    gone = [row for row in stored.rows if row["person_id"] not in allowed]
    if gone:
        raise LedgerError(
            _("%(name)s (row %(row)s) is no longer a professional of your unit; upload anew.")
            % {"name": gone[0]["name"], "row": gone[0]["row"]}
        )
    records = [
        CreditRecord(
            person_id=row["person_id"],
            year=int(row["date"][:4]),
            category=row["category"],
            hours=Decimal(row["hours"]),
            source=Source.OFFLINE,
            source_ref=entry_ref(stored.unit_id, row["key"]),
            description=row["content"],
            occurred_on=datetime.date.fromisoformat(row["date"]),
        )
        for row in stored.rows
    ]
    result = credit_post_batch(records, recorded_by=confirmed_by, recorded_unit=stored.unit)
    stored.status = OfflineUpload.Status.CONFIRMED
    stored.posted, stored.duplicates = result.posted, result.duplicates
    stored.confirmed_at = timezone.now()
    stored.save(update_fields=["status", "posted", "duplicates", "confirmed_at"])
    audit_log(
        actor=confirmed_by,
        action="credits.offline_upload.confirmed",
        upload=stored.pk,
        posted=result.posted,
        duplicates=result.duplicates,
    )
    return stored
