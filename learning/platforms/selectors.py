"""What provincial HR sees of the platforms: the reconciliation, the records received,
the keys and the recent imports. Only provincial HR sees any of it (`records_visible_to`
is the scope every record page and export starts from)."""

from django.db.models import Count, Q, QuerySet, Sum

from credits.models import CreditEntry, Source
from learning.platforms.models import ImportJob, Platform, PlatformKey, PlatformRecord
from portal.models import Role

Outcome = PlatformRecord.Outcome
RECENT_IMPORTS = 10


def reconciliation() -> list[dict]:
    """Per platform and year: what arrived, what became of it, and the ledger's sum.

    Each record counts once, under its current outcome (a rejected record processed
    again later counts as credited or duplicate, no longer as rejected), so
    credited + duplicates + rejected = received on every row.
    """
    rows = list(
        PlatformRecord.objects.values("platform_id", "year")
        .annotate(
            received=Count("id"),
            credited=Count("id", filter=Q(outcome=Outcome.CREDITED)),
            duplicates=Count("id", filter=Q(outcome=Outcome.DUPLICATE)),
            rejected=Count("id", filter=Q(outcome=Outcome.REJECTED)),
            hours=Sum("hours", filter=Q(outcome=Outcome.CREDITED)),
        )
        .order_by("platform_id", "-year")
    )
    platforms = {p.pk: p for p in Platform.objects.all()}
    ledger = {}
    for platform in platforms.values():
        sums = (
            CreditEntry.objects.filter(
                source=Source.PLATFORM, source_ref__startswith=f"{platform.code}:"
            )
            .values("year")
            .annotate(hours=Sum("hours"))
        )
        for item in sums:
            ledger[(platform.pk, item["year"])] = item["hours"]
    for row in rows:
        row["platform"] = platforms[row["platform_id"]]
        row["ledger_hours"] = ledger.get((row["platform_id"], row["year"]))
    return rows


def platforms_with_keys() -> QuerySet[Platform]:
    """Every platform, with its keys (revoked ones too) prefetched."""
    return Platform.objects.prefetch_related("keys")


def recent_imports(limit: int = RECENT_IMPORTS) -> QuerySet[ImportJob]:
    """The latest file imports, newest first, with their platforms."""
    return ImportJob.objects.select_related("platform")[:limit]


def platform_by_code(code: str) -> Platform | None:
    """The platform with this code (the push URL's), or None."""
    return Platform.objects.filter(code=code).first()


def active_key(pk: int) -> PlatformKey | None:
    """The key with this id if it is not revoked, else None."""
    return PlatformKey.objects.filter(pk=pk, revoked_at__isnull=True).first()


def imports_visible_to(actor) -> QuerySet[ImportJob]:
    """The file imports `actor` (a Membership, or None) may open: all of them for
    provincial HR, none for anyone else."""
    jobs = ImportJob.objects.select_related("platform")
    return jobs if _is_province_hr(actor) else jobs.none()


def records_visible_to(actor) -> QuerySet[PlatformRecord]:
    """The received records `actor` (a Membership, or None) may see, with platform and
    person: all of them for provincial HR, none for anyone else."""
    records = PlatformRecord.objects.select_related("platform", "person")
    return records if _is_province_hr(actor) else records.none()


def records_matching(actor, filters: dict) -> QuerySet[PlatformRecord]:
    """`records_visible_to(actor)` narrowed by a RecordFilterForm's cleaned data:
    `platform`, `year`, and `outcome` (an Outcome value, or "pending": the rejected
    ones waiting for someone); empty or missing values do not narrow."""
    records = records_visible_to(actor)
    if filters.get("platform"):
        records = records.filter(platform=filters["platform"])
    if filters.get("year"):
        records = records.filter(year=filters["year"])
    if filters.get("outcome") == "pending":
        records = records.filter(outcome=Outcome.REJECTED)
    elif filters.get("outcome"):
        records = records.filter(outcome=filters["outcome"])
    return records


def _is_province_hr(actor) -> bool:
    return getattr(actor, "role", None) == Role.PROVINCE_HR
