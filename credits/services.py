"""The one way into the ledger.

`credit_post` (one entry) and `credit_post_batch` (imports) are the only code that
inserts CreditEntry rows; `credit_reverse` is the only correction. All three update
PersonYearTotal in the same transaction, and the statement that adds to a total
also adds 1 to its `version`, on which the cached 我的学时 is keyed
(credits.hours_cache): nothing else needs telling that the ledger changed.
Idempotency comes from the unique constraint on (source, source_ref): posting the
same thing again returns the first entry and credits nothing, also when two
transactions race.
"""

import datetime
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import Category, CreditEntry, Source, YearRule
from portal.actions import Refused
from portal.audit import audit_log
from portal.models import ReviewStatus, User
from portal.queries import many

MAX_HOURS_PER_ENTRY = Decimal(1000)
TEXT_LIMIT = 200  # source_ref and description columns


class LedgerError(Refused):
    """Input the ledger refuses; the message is for the user, in Chinese. A `Refused`
    (portal.actions): the action views show it as it is."""


@dataclass(frozen=True)
class CreditRecord:
    """One entry to post, as the batch entry point takes it."""

    person_id: int
    year: int
    category: str
    hours: Decimal
    source: str
    source_ref: str
    description: str = ""
    occurred_on: datetime.date | None = None


@dataclass
class BatchResult:
    posted: int = 0
    duplicates: int = 0
    # (source, source_ref) -> id of the entries this batch inserted (with_refs=True);
    # the records not in it were in the ledger already.
    posted_refs: dict[tuple[str, str], int] = field(default_factory=dict)


CATEGORIES = frozenset(Category.values)
POSTABLE_SOURCES = frozenset(Source.values) - {Source.CORRECTION}


def clean_hours(value) -> Decimal:
    """Hours as a Decimal with at most one decimal place, > 0 and sensible."""
    hours = value
    if not isinstance(hours, Decimal):
        try:
            hours = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise LedgerError(_("Hours must be a number, e.g. 2 or 1.5.")) from None
    if not hours.is_finite():
        raise LedgerError(_("Hours must be a number, e.g. 2 or 1.5."))
    if hours <= 0:
        raise LedgerError(_("Hours must be greater than zero."))
    if hours > MAX_HOURS_PER_ENTRY:  # checked before any arithmetic on huge numbers
        raise LedgerError(
            _("Hours may not exceed %(max)s in one entry.") % {"max": MAX_HOURS_PER_ENTRY}
        )
    if (hours * 10) % 1:
        raise LedgerError(_("Hours may have at most one decimal place."))
    return hours


def ruled_years() -> set[int]:
    return set(YearRule.objects.values_list("year", flat=True))


def _check_record(record: CreditRecord, years: set[int]) -> CreditRecord:
    if record.year not in years:
        raise LedgerError(
            _("There is no rule for the year %(year)s; hours cannot be recorded for it.")
            % {"year": record.year}
        )
    if record.category not in CATEGORIES:
        raise LedgerError(_("Unknown category: %(value)s.") % {"value": record.category})
    if record.source not in POSTABLE_SOURCES:
        raise LedgerError(_("Unknown source: %(value)s.") % {"value": record.source})
    if not record.source_ref or len(record.source_ref) > TEXT_LIMIT:
        raise LedgerError(
            _("A source reference of 1 to %(max)s characters is required.") % {"max": TEXT_LIMIT}
        )
    if len(record.description) > TEXT_LIMIT:
        raise LedgerError(
            _("The content may have at most %(max)s characters.") % {"max": TEXT_LIMIT}
        )
    hours = clean_hours(record.hours)
    if hours is not record.hours:
        record = CreditRecord(**{**record.__dict__, "hours": hours})
    return record


_TOTALS_UPSERT = """
    INSERT INTO credits_personyeartotal (person_id, year, public_hours, professional_hours)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (person_id, year) DO UPDATE SET
        public_hours = credits_personyeartotal.public_hours + EXCLUDED.public_hours,
        professional_hours = credits_personyeartotal.professional_hours
            + EXCLUDED.professional_hours,
        version = credits_personyeartotal.version + 1
"""


def _add_to_totals(person_id: int, year: int, category: str, hours: Decimal) -> None:
    public = hours if category == Category.PUBLIC else Decimal(0)
    professional = hours if category == Category.PROFESSIONAL else Decimal(0)
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS_UPSERT, [person_id, year, public, professional])


def credit_post(
    *,
    person,
    year: int,
    category: str,
    hours,
    source: str,
    source_ref: str,
    description: str = "",
    occurred_on: datetime.date | None = None,
    recorded_by=None,
    recorded_unit=None,
) -> tuple[CreditEntry, bool]:
    """Credit hours once. Returns (entry, created); a repeat returns the first entry.

    Steps: check the input (LedgerError in Chinese), insert inside a savepoint, and
    on a unique violation — a repeat, or a concurrent post that won — return the
    row that is there. The total is updated in the same transaction as the entry.
    """
    record = _check_record(
        CreditRecord(
            person_id=person.pk,
            year=year,
            category=category,
            hours=hours,
            source=source,
            source_ref=source_ref,
            description=description,
            occurred_on=occurred_on,
        ),
        ruled_years(),
    )
    _check_approved({record.person_id})
    return _insert_one(record, recorded_by, recorded_unit)


def waiting_for_approval(person_ids) -> QuerySet[User]:
    """Of these people, those whose registration is pending or was rejected: the ledger
    takes no hours for them. (People without a profile, such as digital-engineer
    trainees without a unit, may earn hours.)"""
    return User.objects.filter(pk__in=person_ids, profile__isnull=False).exclude(
        profile__status=ReviewStatus.APPROVED
    )


def _check_approved(person_ids: set[int]) -> None:
    waiting = (
        waiting_for_approval(many(person_ids, "bigint")).values_list("real_name", flat=True).first()
    )
    if waiting is not None:
        raise LedgerError(
            _("The registration of %(name)s has not been approved; hours cannot be recorded.")
            % {"name": waiting}
        )


def _insert_one(record: CreditRecord, recorded_by, recorded_unit) -> tuple[CreditEntry, bool]:
    lookup = {"source": record.source, "source_ref": record.source_ref}
    existing = CreditEntry.objects.filter(**lookup).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            entry = CreditEntry.objects.create(
                **record.__dict__, recorded_by=recorded_by, recorded_unit=recorded_unit
            )
            _add_to_totals(entry.person_id, entry.year, entry.category, entry.hours)
    except IntegrityError:
        existing = CreditEntry.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    return entry, True


_BATCH_COLUMNS = (
    "person_id",
    "year",
    "category",
    "hours",
    "source",
    "source_ref",
    "description",
    "occurred_on",
)

_batch_values = operator.attrgetter(*_BATCH_COLUMNS)
# From this many records on, the batch's INSERT gets this much work_mem (for the rest
# of the transaction): the default 4 MB makes it sort 100,000 rows on disk.
LARGE_BATCH = 10_000
LARGE_BATCH_WORK_MEM = "64MB"

_BATCH_INSERT = """
    WITH inserted AS (
        INSERT INTO credits_creditentry
            (person_id, year, category, hours, source, source_ref, description, occurred_on,
             recorded_by_id, recorded_unit_id, recorded_at, reason)
        SELECT person_id, year, category, hours, source, source_ref, description, occurred_on,
               %(recorded_by)s, %(recorded_unit)s, %(now)s, ''
        FROM credit_batch
        -- One order for every batch: concurrent batches take their locks in the same
        -- order (no deadlocks), and the unique index is filled in key order.
        ORDER BY source, source_ref
        ON CONFLICT (source, source_ref) DO NOTHING
        RETURNING person_id, year, category, hours{returning}
    ),
    sums AS (
        SELECT person_id, year,
               COALESCE(SUM(hours) FILTER (WHERE category = 'public'), 0) AS public_hours,
               COALESCE(SUM(hours) FILTER (WHERE category = 'professional'), 0)
                   AS professional_hours
        FROM inserted GROUP BY person_id, year
    ),
    totals AS (
        INSERT INTO credits_personyeartotal (person_id, year, public_hours, professional_hours)
        SELECT person_id, year, public_hours, professional_hours FROM sums
        ORDER BY person_id, year
        ON CONFLICT (person_id, year) DO UPDATE SET
            public_hours = credits_personyeartotal.public_hours + EXCLUDED.public_hours,
            professional_hours = credits_personyeartotal.professional_hours
                + EXCLUDED.professional_hours,
            version = credits_personyeartotal.version + 1
        RETURNING 1
    )
    SELECT {outputs} FROM inserted
"""
# Returning the references costs time at 100,000 rows: only when asked for.
_COUNT_ONLY = {"returning": "", "outputs": "COUNT(*)"}
_REFS = {"returning": ", source, source_ref, id", "outputs": "source, source_ref, id"}


def credit_post_batch(
    records: Iterable[CreditRecord], *, recorded_by=None, recorded_unit=None, with_refs=False
) -> BatchResult:
    """Post many entries at once, all or nothing; repeats credit nothing.

    Every record is checked first (LedgerError names the first bad one). On
    PostgreSQL the records are COPYed into a temporary table and inserted with one
    INSERT … ON CONFLICT DO NOTHING whose output also updates the totals; elsewhere
    (the embedded SQLite) existing ones are skipped and the rest bulk-inserted.
    `with_refs` fills BatchResult.posted_refs (which records were new), at some cost.
    """
    years = ruled_years()
    checked = []
    for number, record in enumerate(records, 1):
        try:
            checked.append(_check_record(record, years))
        except LedgerError as error:
            raise LedgerError(
                _("Record %(number)s: %(error)s") % {"number": number, "error": error}
            ) from None
    _check_approved({record.person_id for record in checked})
    result = BatchResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            posted, refs = _copy_and_insert(checked, recorded_by, recorded_unit, with_refs)
        else:
            posted, refs = _bulk_insert_portable(checked, recorded_by, recorded_unit)
    result.posted = posted
    result.posted_refs = refs if with_refs else {}
    result.duplicates = len(checked) - result.posted
    return result


def _bulk_insert_portable(records: list[CreditRecord], recorded_by, recorded_unit):
    """The embedded (SQLite, single-process) path: skip what exists, bulk-insert the rest.

    Unlike the PostgreSQL path it is not safe against a concurrent writer posting the
    same source at the same moment: that writer's commit makes this batch fail whole.
    """
    keys = [(r.source, r.source_ref) for r in records]
    existing = set()
    for start in range(0, len(keys), 500):
        refs = [ref for _source, ref in keys[start : start + 500]]
        existing.update(
            CreditEntry.objects.filter(source_ref__in=refs).values_list("source", "source_ref")
        )
    new, seen = [], set(existing)
    for record, key in zip(records, keys, strict=True):
        if key not in seen:
            seen.add(key)
            new.append(record)
    created = CreditEntry.objects.bulk_create(
        [
            CreditEntry(**r.__dict__, recorded_by=recorded_by, recorded_unit=recorded_unit)
            for r in new
        ],
        batch_size=500,
    )
    sums: dict[tuple[int, int, str], Decimal] = {}
    for r in new:
        key = (r.person_id, r.year, r.category)
        sums[key] = sums.get(key, Decimal(0)) + r.hours
    for (person_id, year, category), hours in sorted(sums.items()):
        _add_to_totals(person_id, year, category, hours)
    return len(new), {(e.source, e.source_ref): e.pk for e in created}


def _copy_and_insert(records: list[CreditRecord], recorded_by, recorded_unit, with_refs):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE credit_batch ("
            " person_id bigint, year smallint, category varchar(20), hours numeric(6,1),"
            " source varchar(20), source_ref varchar(200), description varchar(200),"
            " occurred_on date) ON COMMIT DROP"
        )
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY credit_batch ({', '.join(_BATCH_COLUMNS)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(_batch_values(record))
        if len(records) >= LARGE_BATCH:
            # Sort the batch and keep what it inserted in memory, not in temporary files.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [LARGE_BATCH_WORK_MEM])
        cursor.execute(
            _BATCH_INSERT.format(**(_REFS if with_refs else _COUNT_ONLY)),
            {
                "recorded_by": getattr(recorded_by, "pk", None),
                "recorded_unit": getattr(recorded_unit, "pk", None),
                "now": timezone.now(),
            },
        )
        if with_refs:
            refs = {(source, ref): pk for source, ref, pk in cursor.fetchall()}
            posted = len(refs)
        else:
            refs, posted = {}, cursor.fetchone()[0]
        cursor.execute("DROP TABLE credit_batch")
    return posted, refs


def credit_reverse(*, entry: CreditEntry, reason: str, reversed_by, recorded_unit=None):
    """Cancel an entry with a reversal entry of the opposite hours; never twice.

    Fails with LedgerError when the reason is empty, the entry is itself a reversal,
    or it has been reversed already (also when two reversals race: the one-to-one
    link lets only one in).
    """
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("A reason is required for a correction."))
    if entry.is_reversal:
        raise LedgerError(_("A reversal cannot be reversed; record the hours anew."))
    try:
        with transaction.atomic():
            reversal = CreditEntry.objects.create(
                person_id=entry.person_id,
                year=entry.year,
                category=entry.category,
                hours=-entry.hours,
                source=Source.CORRECTION,
                source_ref=f"reversal:{entry.pk}",
                description=entry.description,
                occurred_on=entry.occurred_on,
                recorded_by=reversed_by,
                recorded_unit=recorded_unit,
                reverses=entry,
                reason=reason,
            )
            _add_to_totals(entry.person_id, entry.year, entry.category, -entry.hours)
            audit_log(
                actor=reversed_by,
                action="credits.entry.reversed",
                entry=entry.pk,
                reversal=reversal.pk,
                hours=str(entry.hours),
                reason=reason,
            )
    except IntegrityError:
        raise LedgerError(_("This entry has already been reversed.")) from None
    return reversal
