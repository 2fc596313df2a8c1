from django.db.models import OuterRef, QuerySet, Subquery

from certificates.models import Bundle, Certificate, IssuanceBatch
from portal import scoping
from portal.models import Role


def certificates_visible_to(actor) -> QuerySet[Certificate]:
    """The owner, the owner's unit HR and provincial HR (the issue's download rule)."""
    certificates = Certificate.objects.select_related("unit")
    match getattr(actor, "role", None):
        case Role.PROFESSIONAL:
            return certificates.filter(person_id=actor.user_id)
        case Role.UNIT_HR:
            return certificates.filter(unit__in=scoping.units_visible_to(actor))
        case Role.PROVINCE_HR:
            return certificates.all()
    return certificates.none()


def batches_visible_to(actor) -> QuerySet[IssuanceBatch]:
    batches = IssuanceBatch.objects.select_related("unit", "city", "requested_by")
    match getattr(actor, "role", None):
        case Role.UNIT_HR:
            return batches.filter(unit__in=scoping.units_visible_to(actor))
        case Role.PROVINCE_HR:
            return batches.all()
    return batches.none()


def bundles_visible_to(actor) -> QuerySet[Bundle]:
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return Bundle.objects.none()
    return Bundle.objects.filter(unit__in=scoping.units_visible_to(actor))


def with_certificate(people: QuerySet, year: int) -> QuerySet:
    """Annotate people with their valid certificate of `year`: serial, id and the hours
    it states (which a later ledger correction can make differ from the ledger)."""
    valid = Certificate.objects.filter(
        person=OuterRef("pk"), year=year, status=Certificate.Status.VALID
    )
    return people.annotate(
        certificate_serial=Subquery(valid.values("serial")[:1]),
        certificate_id=Subquery(valid.values("pk")[:1]),
        certificate_public=Subquery(valid.values("public_hours")[:1]),
        certificate_professional=Subquery(valid.values("professional_hours")[:1]),
    )


def flagged_annual_certificates() -> QuerySet[Certificate]:
    """Valid annual certificates whose PDF no font could draw."""
    return Certificate.objects.exclude(render_blocked="").filter(status=Certificate.Status.VALID)


def blocked_certificates() -> list:
    """Certificates of every kind whose PDF no font could draw, newest first: what
    provincial HR must resolve (install a font, or correct the name)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from certificates import registry

    annual = [
        registry.BlockedCertificate(
            kind=_("Annual continuing-education certificate"),
            serial=c.serial,
            name=c.real_name,
            characters=c.render_blocked,
            issued_on=c.issued_at.date(),
            download_url=reverse("certificates:pdf", args=[c.pk]),
        )
        for c in flagged_annual_certificates()
    ]
    rows = annual + registry.blocked()
    return sorted(rows, key=lambda row: row.issued_on, reverse=True)
