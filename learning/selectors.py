from django.db.models import Count, Q, Sum

from credits.models import CreditEntry, Source
from learning.models import Platform, PlatformRecord

Outcome = PlatformRecord.Outcome


def reconciliation() -> list[dict]:
    """Per platform and year: what arrived, what became of it, and the ledger's sum."""
    rows = list(
        PlatformRecord.objects.values("platform_id", "year")
        .annotate(
            received=Count("id"),
            credited=Count("id", filter=Q(outcome=Outcome.CREDITED)),
            duplicates=Count("id", filter=Q(outcome=Outcome.DUPLICATE)),
            rejected=Count("id", filter=Q(outcome=Outcome.REJECTED) | Q(resolved=True)),
            pending=Count("id", filter=Q(outcome=Outcome.REJECTED)),
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
