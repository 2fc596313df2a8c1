"""Offline training hours registered by unit HR from an Excel workbook.

A workbook is all or nothing: every row is checked, and a single bad row rejects
the file with row-by-row messages and writes nothing. A good file is kept as an
OfflineUpload awaiting confirmation; confirming posts its rows in one batch, keyed
by the unit and the row key, so that uploading the same file again credits nothing;
and a training the unit registered before cannot come back under a new key.
"""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import Category, CreditEntry, OfflineUpload, Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from portal.audit import audit_log
from portal.identity import normalize_name
from portal.models import Role, Unit
from portal.tabular import (
    Column,
    Repeats,
    Row,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_chunks,
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


# Rows are checked, and people and ledger entries looked up, this many at a time.
CHUNK_ROWS = 1000


class PreviewRow(NamedTuple):
    """One good row of a preview, as compact as a tuple (a preview may hold 200,000)."""

    row: int
    person_id: int
    id_number: str
    name: str
    category: str
    hours: str
    date: str
    content: str
    key: str


@dataclass
class ParsedUpload:
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    credited_before: set[int] = field(default_factory=set)  # row numbers

    def records(self) -> list[dict]:
        """The rows as OfflineUpload.rows keeps them (and the preview page shows them)."""
        return [
            {**row._asdict(), "credited_before": True}
            if row.row in self.credited_before
            else row._asdict()
            for row in self.rows
        ]


def entry_ref(unit_id: int, key: str) -> str:
    return f"offline:{unit_id}:{key}"


def parse_offline_workbook(upload, *, people, unit, uploader) -> ParsedUpload:
    """Read the file in this process and check it (`parse_offline_chunks`)."""
    return parse_offline_chunks(
        read_chunks(upload, SPEC, CHUNK_ROWS), people=people, unit=unit, uploader=uploader
    )


def parse_offline_chunks(chunks: Iterable[list[Row]], *, people, unit, uploader) -> ParsedUpload:
    """Check every row of `chunks` (the file's rows as `read_chunks` gives them, read
    here or in a worker's reading process); `people` is the queryset of professionals
    the HR may credit.

    Raises TableError for a file that cannot be taken as a whole. A row key already
    in the ledger for this unit is fine when the row is the same record (it is shown
    as credited before); reused for another record, it is an error. Two rows of one
    file for the same person, date, hours and content are an error too: under two
    keys they would be credited twice; so is a row with a new key for a training
    the unit has in the ledger already (from an earlier file), unless it was reversed.

    Memory stays proportional to the good rows kept (one PreviewRow each) and the
    people met, not to everything read: rows are read and checked CHUNK_ROWS at a
    time, people are looked up per chunk as (pk, ID number, name) only, and equal
    dates, hours and contents are kept once.
    """
    result = ParsedUpload()
    # ID number → (pk, ID number, name, normalised name), or None: nobody the HR may credit.
    known: dict[str, tuple[int, str, str, str] | None] = {}
    texts: dict[str, str] = {}
    days: dict[datetime.date, tuple[datetime.date, str]] = {}
    amounts: dict[Decimal, Decimal] = {}
    years, today = ruled_years(), timezone.localdate()
    keys, trainings = Repeats(), Repeats()

    def look_up(chunk) -> None:
        numbers = {row.values["id_number"] for row in chunk if row.values.get("id_number")}
        wanted = numbers - known.keys()
        if not wanted:
            return
        found = people.filter(id_number__in=wanted).values_list("pk", "id_number", "real_name")
        for pk, number, real_name in found:
            name = normalize_name(real_name)
            known[number] = (pk, number, real_name, real_name if name == real_name else name)
        for number in wanted:
            known.setdefault(number, None)

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
        elif values["name"] != person[3]:
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
        day, iso_day = days.setdefault(values["date"], (values["date"], values["date"].isoformat()))
        content = texts.setdefault(values["content"], values["content"])
        hours = amounts.setdefault(values["hours"], values["hours"])
        training = (values["id_number"] if person is None else person[1], day, hours, content)
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
            shown_hours = str(values["hours"])
            result.rows.append(
                PreviewRow(
                    row=row.number,
                    person_id=person[0],
                    id_number=person[1],
                    name=person[2],
                    category=values["category"],
                    hours=texts.setdefault(shown_hours, shown_hours),
                    date=iso_day,
                    content=content,
                    key=values["key"],
                )
            )

    for chunk in chunks:
        look_up(chunk)
        result.errors.extend(check_rows(chunk, check))
    if not result.errors:
        _compare_with_ledger(result, unit)
    return result


def _compare_with_ledger(result: ParsedUpload, unit) -> None:
    """Mark rows credited before; refuse a row key reused for a different record, and
    a training the unit registered before under another key (the messages in row
    order). One query per CHUNK_ROWS rows."""
    for start in range(0, len(result.rows), CHUNK_ROWS):
        credited, errors = _ledger_matches(result.rows[start : start + CHUNK_ROWS], unit.pk)
        result.credited_before.update(credited)
        result.errors.extend(errors)


def _ledger_matches(rows: list[PreviewRow], unit_id: int) -> tuple[set[int], list[str]]:
    """(row numbers credited before, row messages in row order) for `rows`, from one
    query for the unit's offline entries that hold one of their row keys or the same
    training (person, date, hours and content).

    A row whose key is in the ledger is the same record (credited before: the same
    file uploaded again) or a key reused for another record. A row with a new key
    whose training the unit has in the ledger, and not reversed, would credit it a
    second time."""
    refs = {entry_ref(unit_id, row.key): row for row in rows}
    trainings: dict[tuple, list[PreviewRow]] = {}
    for row in rows:
        training = (row.person_id, row.date, Decimal(row.hours), row.content)
        trainings.setdefault(training, []).append(row)
    same_training = Q(
        source_ref__startswith=entry_ref(unit_id, ""),
        person_id__in={row.person_id for row in rows},
        year__in={int(row.date[:4]) for row in rows},  # (person, year) is the index
        occurred_on__in={row.date for row in rows},
        hours__in={training[2] for training in trainings},
        description__in={row.content for row in rows},
    )
    entries = (
        CreditEntry.objects.filter(
            Q(source_ref__in=list(refs)) | same_training, source=Source.OFFLINE
        )
        .annotate(reversed=Exists(CreditEntry.objects.filter(reverses_id=OuterRef("pk"))))
        .values_list(
            "pk",
            "source_ref",
            "person_id",
            "category",
            "hours",
            "occurred_on",
            "description",
            "recorded_at",
            "reversed",
        )
    )
    credited, problems, in_ledger, earlier = set(), [], set(), []
    for pk, source_ref, person_id, category, hours, day, content, at, is_reversed in entries:
        row = refs.get(source_ref)
        if row is not None:
            in_ledger.add(row.row)
            same = (
                person_id == row.person_id
                and category == row.category
                and hours == Decimal(row.hours)
                and day.isoformat() == row.date
            )
            if same:
                credited.add(row.row)
            else:
                problems.append(
                    (
                        row.row,
                        _(
                            "the row key %(key)s was used before for another record "
                            "(entry #%(entry)s); use a new key"
                        )
                        % {"key": row.key, "entry": pk},
                    )
                )
        if not is_reversed and day is not None:
            earlier.append(((person_id, day.isoformat(), hours, content), source_ref, at))
    reported = set()
    for training, source_ref, at in sorted(earlier, key=lambda entry: entry[2]):
        for row in trainings.get(training, ()):
            if row.row in in_ledger or row.row in reported:
                continue
            reported.add(row.row)
            problems.append(
                (
                    row.row,
                    _(
                        "this training was registered on %(day)s (row key %(key)s); "
                        "it cannot be registered again under a new key"
                    )
                    % {
                        "day": timezone.localdate(at).isoformat(),
                        "key": source_ref.removeprefix(entry_ref(unit_id, "")),
                    },
                )
            )
    return credited, [row_message(number, message) for number, message in sorted(problems)]


@transaction.atomic
def upload_store(*, upload, unit, uploaded_by, rows: list[dict]) -> OfflineUpload:
    """Keep a checked file's good rows (ParsedUpload.records()) as an OfflineUpload of
    `unit` awaiting confirmation, with the file's SHA-256; audited as
    "credits.offline_upload.previewed". Nothing reaches the ledger here."""
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    stored = OfflineUpload.objects.create(
        unit=unit, uploaded_by=uploaded_by, file_name=upload.name[:200], sha256=digest, rows=rows
    )
    audit_log(actor=uploaded_by, action="credits.offline_upload.previewed", upload=stored.pk)
    return stored


@transaction.atomic
def upload_confirm(*, stored: OfflineUpload, confirmed_by, people) -> OfflineUpload:
    """Post the rows once; a second confirmation of the same upload credits nothing
    and is refused (LedgerError, "confirmed before").

    `people` is who the HR may credit now: somebody who left the unit between the
    preview and the confirmation stops the whole upload (LedgerError); so does a row
    the ledger took since the preview under another key (another upload of the unit
    confirmed in between): it is checked again, with the unit's confirmations taking
    turns, so that two previews of one training cannot both be credited.
    """
    stored = OfflineUpload.objects.select_for_update().get(pk=stored.pk)
    if stored.status == OfflineUpload.Status.CONFIRMED:
        raise LedgerError(_("This upload was confirmed before; nothing was credited again."))
    # FOR NO KEY UPDATE: one confirmation of the unit at a time, without blocking the
    # inserts that merely refer to the unit (they take FOR KEY SHARE).
    list(Unit.objects.select_for_update(no_key=True).filter(pk=stored.unit_id).values_list("pk"))
    rows = [PreviewRow(**{name: row[name] for name in PreviewRow._fields}) for row in stored.rows]
    for start in range(0, len(rows), CHUNK_ROWS):
        _credited, problems = _ledger_matches(rows[start : start + CHUNK_ROWS], stored.unit_id)
        if problems:
            raise LedgerError(
                _("%(problem)s. Nothing was credited; correct the file and upload it anew.")
                % {"problem": problems[0]}
            )
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
