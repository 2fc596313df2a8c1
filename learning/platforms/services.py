"""Hours from the public-subject platforms: pushed records and imported files.

Both channels end in `ingest_records`: every record is stored as it arrived, checked,
matched to a person by ID-card number, and the valid ones are posted to the ledger in
one batch with source_ref "<platform>:<external id>", so that a record sent twice,
pushed twice at the same moment, or pushed and imported, is credited once. A push
comes in through `receive_push` (signature, then the body's shape, learning.platforms.
schema, then `ingest_records`); the platforms' keys are made and revoked here too.
"""

import datetime
import functools
import hmac
import json
import operator
import re
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import CreditEntry, Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from learning.models import (
    Platform,
    PlatformKey,
    PlatformRecord,
    ReceivedBatch,
    body_digest,
    ledger_ref,
)
from learning.platforms.schema import (
    CATEGORY_WORDS,
    FIELDS,
    MAX_HOURS,
    MIN_HOURS,
    MalformedBatch,
    validate_batch,
)
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import normalize_name, validate_id_number
from portal.models import User
from portal.queries import many

MAX_BODY_BYTES = 2 * 1024 * 1024
CLOCK_SKEW_SECONDS = 300
# What a person reads for each field of a record (the page that shows it as received).
FIELD_LABELS = {
    "external_id": gettext_lazy("External id"),
    "id_number": gettext_lazy("ID card number"),
    "name": gettext_lazy("Name"),
    "course_title": gettext_lazy("Course"),
    "hours": gettext_lazy("Hours"),
    "category": gettext_lazy("Category"),
    "completed_at": gettext_lazy("Completed at"),
}


class Unauthorized(Refused):
    """A push whose signature, key or clock cannot be trusted: 401, nothing read. The
    message (English, for the platform's developers) says which check failed."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256, hex, over "<timestamp>.<body>" — what platforms compute too."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, "sha256").hexdigest()


def authenticate(platform: Platform, key_id: str, timestamp: str, signature: str, body: bytes):
    """Return the key that signed the push, or raise Unauthorized.

    Checks, in order: an active platform and an unrevoked key of it; a timestamp
    within five minutes of our clock; the signature (constant-time); and that this
    signature was not seen before inside the window (a replay).
    """
    key = PlatformKey.objects.filter(
        platform=platform, key_id=key_id or "", revoked_at__isnull=True
    ).first()
    if not platform.active or key is None:
        raise Unauthorized("unknown or revoked key")
    timestamp = timestamp or ""
    # ASCII digits only: "²" is a digit to str.isdigit, and int() refuses it.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise Unauthorized("bad timestamp")
    sent_at = int(timestamp)
    if abs(timezone.now().timestamp() - sent_at) > CLOCK_SKEW_SECONDS:
        raise Unauthorized("timestamp outside the allowed window")
    if not re.fullmatch(r"[0-9a-f]{64}", signature or ""):
        raise Unauthorized("bad signature")
    if not hmac.compare_digest(sign(key.secret, timestamp, body), signature):
        raise Unauthorized("bad signature")
    if not cache.add(f"platform-signature:{key.key_id}:{signature}", 1, 2 * CLOCK_SKEW_SECONDS):
        raise Unauthorized("replayed request")
    return key


def forget_signature(key: PlatformKey, signature: str) -> None:
    """A push that failed on our side may be retried with the same signature."""
    cache.delete(f"platform-signature:{key.key_id}:{signature}")


def _no_constants(name):
    raise ValueError(f"{name} is not allowed")


def load_body(body: bytes):
    """The decoded body: JSON (UTF-8) without NaN/Infinity and without absurd nesting;
    MalformedBatch otherwise, saying where the JSON breaks."""
    try:
        return json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        raise MalformedBatch("not JSON: nested too deeply") from None
    except ValueError as error:
        raise MalformedBatch(f"not JSON: {error}") from None


def receive_push(
    platform: Platform, *, key_id: str, timestamp: str, signature: str, body: bytes
) -> tuple[ReceivedBatch, list["ReceivedRecord"]]:
    """Take one push: authenticate it (`authenticate`), check the body's shape
    (schema.validate_batch) and store, check and credit its records (`ingest_records`,
    one transaction). Returns the batch and its records with their outcomes, in the
    order sent.

    Raises Unauthorized (nothing read) or MalformedBatch (nothing written). When the
    ingestion itself fails, the signature is forgotten again so that the platform may
    retry the same request, and the error propagates."""
    key = authenticate(platform, key_id, timestamp, signature, body)
    raws = validate_batch(load_body(body))
    try:
        return ingest_records(
            platform=platform,
            raws=raws,
            channel=ReceivedBatch.Channel.API,
            key=key,
            body_sha256=body_digest(body),
        )
    except Exception:
        forget_signature(key, signature)  # nothing was written: let it retry
        raise


@transaction.atomic
def create_key(platform: Platform, *, actor) -> tuple[PlatformKey, str]:
    """A new API key of `platform` and its secret, which is shown this once and never
    again (the audit entry names the key, not the secret)."""
    key, secret = PlatformKey.new_for(platform)
    audit_log(actor=actor, action="learning.platform_key.created", key=key.key_id)
    return key, secret


@transaction.atomic
def revoke_key(key: PlatformKey, *, actor) -> PlatformKey:
    """Revoke a key now: pushes signed with it are refused from then on. Refused when
    it was revoked already (by someone else in the meantime)."""
    revoked = PlatformKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise Refused(_("Key %(key)s was already revoked.") % {"key": key.key_id})
    audit_log(actor=actor, action="learning.platform_key.revoked", key=key.key_id)
    key.refresh_from_db()
    return key


@dataclass(slots=True)
class ReceivedRecord:
    """A record as it is stored (a learning_platformrecord row, written by COPY in
    `store_records`), without the cost of a model instance: a push of 1,000 records
    makes 1,000 of these. `person` is the matched person (anything with `pk` and
    `real_name`), `person_id` its id."""

    platform_id: int
    raw: object
    external_id: str
    id_number: str
    name: str
    course_title: str
    outcome: str = PlatformRecord.Outcome.REJECTED
    reason: str = ""
    hours: Decimal | None = None
    category: str = ""
    completed_at: datetime.datetime | None = None
    year: int | None = None
    person: object = None
    person_id: int | None = None
    batch_id: int | None = None
    credit_id: int | None = None
    resolved: bool = False


@dataclass
class Checked:
    """A record after its checks: what to store, and what to post if it is valid."""

    row: ReceivedRecord
    credit: CreditRecord | None


class Person(NamedTuple):
    """The matched person of a record: what the checks and the ledger need of her."""

    pk: int
    id_number: str
    real_name: str


def _text(value, limit: int) -> str:
    return str(value if value is not None else "").strip()[:limit]


@functools.lru_cache(maxsize=4096)
def _parse_moment(text: str) -> tuple[datetime.datetime, datetime.date]:
    """A completion time as platforms write it: (aware moment, local day)."""
    moment = parse_datetime(text)
    if moment is None:
        day = datetime.date.fromisoformat(text)
        moment = datetime.datetime.combine(day, datetime.time(12))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, timezone.localtime(moment).date()


def _completed_at(value) -> tuple[datetime.datetime, datetime.date]:
    if not isinstance(value, datetime.datetime):
        return _parse_moment(str(value))
    moment = timezone.make_aware(value) if timezone.is_naive(value) else value
    return moment, timezone.localtime(moment).date()


# Names repeat from push to push (the same professionals complete course after course).
_normal_name = functools.lru_cache(maxsize=16384)(normalize_name)


def check_record(
    raw: dict, platform: Platform, people: dict, years: set, person=None, now=None
) -> Checked:
    """Check one record; `people` maps ID numbers to people (`people_by_id_number`),
    `person` forces a match (provincial HR fixing one by hand); `now` (default: the
    present) is the moment completion times may not be after."""
    external_id = _text(raw.get("external_id"), 100)
    row = ReceivedRecord(
        platform_id=platform.pk,
        raw=raw,
        external_id=external_id,
        id_number=_text(raw.get("id_number"), 30),
        name=_text(raw.get("name"), 50),
        course_title=_text(raw.get("course_title"), 200),
    )
    problems = []
    if not external_id:
        problems.append(_("the external id is missing"))
    elif len(str(raw.get("external_id"))) > 100:
        problems.append(_("the external id is longer than 100 characters"))
    if any("\x00" in str(value) for value in raw.values()):
        problems.append(_("the record contains a NUL character"))
        row.raw = {k: str(v).replace("\x00", "") for k, v in raw.items()}
        for name in ("external_id", "id_number", "name", "course_title"):
            setattr(row, name, getattr(row, name).replace("\x00", ""))
    try:
        hours = clean_hours(raw.get("hours"))
        row.hours = hours
        if not MIN_HOURS <= hours <= MAX_HOURS:
            problems.append(_("hours outside 0.5–100"))
    except LedgerError:
        problems.append(_("hours outside 0.5–100"))
    category = CATEGORY_WORDS.get(_text(raw.get("category"), 20))
    if category is None:
        problems.append(_("bad category"))
    row.category = category or ""
    try:
        row.completed_at, local_day = _completed_at(raw.get("completed_at"))
        row.year = local_day.year
        if row.completed_at > (now or timezone.now()):
            problems.append(_("completed in the future"))
        elif row.year not in years:
            problems.append(_("no rule for the year %(year)s") % {"year": row.year})
    except (TypeError, ValueError, OverflowError):
        row.completed_at = None
        row.year = None
        problems.append(_("completed_at is not a date and time"))
    if person is None:
        person = people.get(row.id_number)
        if person is None:
            try:
                validate_id_number(row.id_number)
                problems.append(_("unknown ID number"))
            except ValidationError as error:
                problems.append(str(error.messages[0]))
        elif _normal_name(row.name) != _normal_name(person.real_name):
            problems.append(_("the name does not match the ID number's person"))
            person = None
    row.person = person
    row.person_id = person.pk if person is not None else None
    if problems:
        row.reason = "；".join(str(p) for p in problems)[:200]
        return Checked(row, None)
    credit = CreditRecord(
        person_id=person.pk,
        year=row.year,
        category=category,
        hours=row.hours,
        source=Source.PLATFORM,
        source_ref=ledger_ref(platform.code, external_id),
        description=row.course_title,
        occurred_on=local_day,
    )
    return Checked(row, credit)


@functools.lru_cache(maxsize=16384)
def _valid_id_number(text: str, today: datetime.date) -> str | None:
    """validate_id_number's answer for `text` (None: not valid). The day is part of the
    key: a birth date may not be after it."""
    try:
        return validate_id_number(text)
    except ValidationError:
        return None


def people_by_id_number(raws: list[dict]) -> dict[str, Person]:
    """Map each record's ID number, as written, to its person (valid, known ones)."""
    today = timezone.localdate()
    written = {}
    for raw in raws:
        text = _text(raw.get("id_number"), 30)
        if text not in written:
            written[text] = _valid_id_number(text, today)
    found = (
        User.objects.professionals()
        .filter(id_number__in=many((n for n in written.values() if n), "varchar"))
        .values_list("pk", "id_number", "real_name")
    )
    users = {number: Person(pk, number, name) for pk, number, name in found}
    return {text: users[number] for text, number in written.items() if number in users}


@transaction.atomic
def ingest_records(
    *, platform: Platform, raws: list[dict], channel: str, key=None, body_sha256=""
) -> tuple[ReceivedBatch, list[ReceivedRecord]]:
    """Store, check and credit a batch; return the stored records with outcomes."""
    batch = ReceivedBatch.objects.create(
        platform=platform,
        channel=channel,
        key=key,
        body_sha256=body_sha256,
        record_count=len(raws),
    )
    people, years, now = people_by_id_number(raws), ruled_years(), timezone.now()
    checked = [check_record(raw, platform, people, years, now=now) for raw in raws]
    # A ref repeated inside the batch: the first record is the one posted, the rest
    # are duplicates at once (else the ledger could keep a later one).
    first, seen = [], set()
    for item in checked:
        if item.credit is not None:
            ref = item.credit.source_ref
            if ref in seen:
                item.row.outcome = PlatformRecord.Outcome.DUPLICATE
                item.credit = None
            else:
                seen.add(ref)
                first.append(item)
    result = credit_post_batch([c.credit for c in first], with_refs=True) if first else None
    posted = result.posted_refs if result else {}
    for item in checked:
        item.row.batch_id = batch.pk
    for item in first:
        entry_id = posted.get((item.credit.source, item.credit.source_ref))
        if entry_id:
            item.row.outcome = PlatformRecord.Outcome.CREDITED
            item.row.credit_id = entry_id
        else:
            item.row.outcome = PlatformRecord.Outcome.DUPLICATE
    rows = [c.row for c in checked]
    store_records(rows)
    return batch, rows


_RECORD_COLUMNS = (
    "batch_id",
    "platform_id",
    "raw",
    "external_id",
    "id_number",
    "name",
    "course_title",
    "hours",
    "category",
    "completed_at",
    "year",
    "outcome",
    "reason",
    "person_id",
    "credit_id",
    "resolved",
)
_row_values = operator.attrgetter(*_RECORD_COLUMNS)


def store_records(rows: list[ReceivedRecord]) -> None:
    """Insert the records; on PostgreSQL with COPY (a push of 1,000 is one statement)."""
    if connection.vendor != "postgresql":
        names = [f.name for f in fields(ReceivedRecord) if f.name != "person"]
        PlatformRecord.objects.bulk_create(
            [PlatformRecord(**{name: getattr(row, name) for name in names}) for row in rows],
            batch_size=1000,
        )
        return
    with connection.cursor() as cursor:
        columns = ", ".join(_RECORD_COLUMNS)
        with cursor.cursor.copy(f"COPY learning_platformrecord ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = list(_row_values(row))
                values[2] = json.dumps(row.raw, ensure_ascii=False)
                copy.write_row(values)


@transaction.atomic
def reprocess(record: PlatformRecord, *, person=None, actor=None) -> PlatformRecord:
    """Check a rejected record again (after the person registered, or with the person
    provincial HR matched by hand) and credit it at most once.

    The record then holds only its current outcome: credited (or duplicate, when the
    same course completion reached the ledger another way) with no reason, or still
    rejected with the reason of this check. What it was before — outcome and reason —
    goes to the audit log (`learning.platform_record.reprocessed`); `resolved` marks
    that it was rejected on arrival. A record that is not rejected is left alone.
    """
    record = PlatformRecord.objects.select_for_update().get(pk=record.pk)
    if record.outcome != PlatformRecord.Outcome.REJECTED or record.resolved:
        return record
    before = {"outcome": record.outcome, "reason": record.reason}
    people = people_by_id_number([record.raw])
    item = check_record(record.raw, record.platform, people, ruled_years(), person=person)
    if item.credit is None:
        PlatformRecord.objects.filter(pk=record.pk).update(reason=item.row.reason)
    else:
        result = credit_post_batch([item.credit], recorded_by=actor, with_refs=True)
        entry = CreditEntry.objects.get(source=Source.PLATFORM, source_ref=item.credit.source_ref)
        outcome = (
            PlatformRecord.Outcome.CREDITED if result.posted else PlatformRecord.Outcome.DUPLICATE
        )
        PlatformRecord.objects.filter(pk=record.pk).update(
            outcome=outcome, reason="", resolved=True, person_id=item.row.person_id, credit=entry
        )
    record.refresh_from_db()
    audit_log(
        actor=actor,
        action="learning.platform_record.reprocessed",
        record=record.pk,
        before=before,
        after={"outcome": record.outcome, "reason": record.reason},
    )
    return record


def received_fields(raw) -> list[tuple[str, str]]:
    """A stored record as it arrived, for a person to read: (label, value) pairs, the
    push fields first in their documented order under their Chinese labels, then any
    other key under its own name. Values are written as received (text as is, other
    JSON values as JSON); the template escapes them."""
    if not isinstance(raw, dict):
        return [(str(_("Record as received")), _json_text(raw))]
    known = [name for name in FIELDS if name in raw]
    others = [name for name in raw if name not in FIELD_LABELS]
    return [(str(FIELD_LABELS[name]), _json_text(raw[name])) for name in known] + [
        (str(name), _json_text(raw[name])) for name in others
    ]


def _json_text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
