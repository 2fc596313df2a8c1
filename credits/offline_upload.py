"""Offline training hours registered by unit HR from an Excel workbook.

A workbook is all or nothing: every row is checked, and a single bad row rejects
the file with row-by-row messages and writes nothing. A good file is kept as an
OfflineUpload awaiting confirmation; confirming posts its rows in one batch, keyed
by the unit and the row key, so that uploading the same file again credits nothing.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import Category, CreditEntry, OfflineUpload, Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from portal.audit import audit_log
from portal.identity import normalize_name
from portal.models import Role
from portal.tabular import (
    Column,
    Repeats,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_table,
    register_template,
    row_message,
)

CATEGORY_WORDS = {
    "公需": Category.PUBLIC,
    "公需科目": Category.PUBLIC,
    "公需课": Category.PUBLIC,
    "专业": Category.PROFESSIONAL,
    "专业科目": Category.PROFESSIONAL,
    "专业课": Category.PROFESSIONAL,
}
MAX_ROWS = 5000
CONTENT_LIMIT = 200
KEY_LIMIT = 100
MAX_HOURS_PER_ROW = 100
SPEC = TableSpec(
    columns=(
        id_number_column(),
        name_column(),
        Column(
            "category",
            "科目类别",
            "category",
            aliases=("科目", "类别"),
            choices=CATEGORY_WORDS,
            example="专业科目",
        ),
        Column("hours", "学时", "hours", aliases=("学时数",), example=6),
        Column("date", "日期", "date", aliases=("培训日期",), example="2025-03-18"),
        Column("content", "培训内容", max_length=CONTENT_LIMIT, example="医院感染防控专题培训"),
        Column("key", "记录编号", max_length=KEY_LIMIT, example="2025-001"),
    ),
    max_rows=MAX_ROWS,
    title=gettext_lazy("Offline hours"),
)
COLUMNS = SPEC.headers
register_template(
    "offline-hours",
    SPEC,
    roles=(Role.UNIT_HR,),
    url_name="credits:offline_template",
    name=gettext_lazy("offline-hours-template.xlsx"),
)
TEMPLATE_EXAMPLE = [c.example for c in SPEC.columns]


@dataclass
class ParsedUpload:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def entry_ref(unit_id: int, key: str) -> str:
    return f"offline:{unit_id}:{key}"


def parse_offline_workbook(upload, *, people, unit, uploader) -> ParsedUpload:
    """Check every row; `people` is the queryset of professionals the HR may credit.

    Raises TableError for a file that cannot be taken as a whole. A row key already
    in the ledger for this unit is fine when the row is the same record (it is shown
    as credited before); reused for another record, it is an error. Two rows of one
    file for the same person, date, hours and content are an error too: under two
    keys they would be credited twice.
    """
    result = ParsedUpload()
    _table, data = read_table(upload, SPEC)
    numbers = {row.values["id_number"] for row in data if row.values.get("id_number")}
    known = {p.id_number: p for p in people.filter(id_number__in=numbers)}
    years, today = ruled_years(), timezone.localdate()
    keys, trainings = Repeats(), Repeats()

    def check(row) -> None:
        values = row.values
        person = known.get(values["id_number"])
        if values["id_number"] == uploader.id_number:
            row.problem(_("you cannot register hours for yourself"), SPEC.column("id_number"))
        elif person is None:
            row.problem(
                _("no professional of your unit has this ID card number"),
                SPEC.column("id_number"),
            )
        elif values["name"] != normalize_name(person.real_name):
            row.problem(_("the name does not match the ID card number"), SPEC.column("name"))
        try:
            values["hours"] = clean_hours(values["hours"])
            if values["hours"] > MAX_HOURS_PER_ROW:
                row.problem(_("more than 100 hours in one row"), SPEC.column("hours"))
        except LedgerError as error:
            row.problem(str(error), SPEC.column("hours"))
        if values["date"] > today:
            row.problem(_("the date is in the future"), SPEC.column("date"))
        elif values["date"].year not in years:
            row.problem(
                _("there is no rule for the year %(year)s") % {"year": values["date"].year},
                SPEC.column("date"),
            )
        other = keys.seen(values["key"], row.number)
        if other:
            row.problem(
                _("the row key %(key)s is used in row %(other)s too")
                % {"key": values["key"], "other": other},
                SPEC.column("key"),
            )
        training = (values["id_number"], values["date"], values["hours"], values["content"])
        other = trainings.seen(training, row.number)
        if other:
            row.problem(
                _(
                    "the same training as row %(other)s (person, date, hours and content); "
                    "it would be credited twice"
                )
                % {"other": other}
            )
        if row.ok:
            result.rows.append(
                {
                    "row": row.number,
                    "person_id": person.pk,
                    "id_number": values["id_number"],
                    "name": person.real_name,
                    "category": values["category"],
                    "hours": str(values["hours"]),
                    "date": values["date"].isoformat(),
                    "content": values["content"],
                    "key": values["key"],
                }
            )

    result.errors = check_rows(data, check)
    if not result.errors:
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
                row_message(
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
