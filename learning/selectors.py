from django.db.models import Count, Q, Sum

from credits.models import CreditEntry, Source
from learning.models import Platform, PlatformRecord

Outcome = PlatformRecord.Outcome


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


def editable_courses(actor):
    """Courses the actor edits: provincial HR the public subjects, a department admin
    her authority's professional courses (the scoping layer names the authority)."""
    from credits.models import Category
    from learning.models import Course
    from portal import scoping
    from portal.models import Role

    courses = Course.objects.select_related("topic", "authority")
    match getattr(actor, "role", None):
        case Role.PROVINCE_HR:
            return courses.filter(category=Category.PUBLIC)
        case Role.DEPARTMENT_ADMIN:
            return courses.filter(
                category=Category.PROFESSIONAL, authority__in=scoping.authorities_visible_to(actor)
            )
    return courses.none()
