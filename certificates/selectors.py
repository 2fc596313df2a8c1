"""What each role may see of certificates and the documents beside them, and the
reads the pages and the batches share. Views ask these functions (taking the actor,
the active Membership) instead of comparing roles themselves; what exists outside
the actor's scope answers 404, as what does not exist at all."""

from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from certificates import registry
from certificates.models import (
    Bundle,
    Certificate,
    EligibilityStatement,
    IssuanceBatch,
    RegistrationCheck,
    TitleDocument,
)
from credits.models import CreditEntry, YearRule
from credits.selectors import StaffStatus, staff_compliance
from portal import scoping
from portal.http import pk_or_404
from portal.models import PastEmployment, Role, Unit, User
from portal.selectors import subquery_count, year_bounds

# -- what a role may see -------------------------------------------------------------


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


def certificates_found(actor, q: str) -> QuerySet[Certificate]:
    """The certificates in the actor's scope numbered `q` or of the ID number `q`
    (provincial HR's search; `q` normalised by forms.SerialField)."""
    return certificates_visible_to(actor).filter(Q(serial=q) | Q(id_number=q))


def batches_visible_to(actor) -> QuerySet[IssuanceBatch]:
    """The batches of the actor's units for unit HR; every batch for provincial HR."""
    batches = IssuanceBatch.objects.select_related("unit", "city", "requested_by")
    match getattr(actor, "role", None):
        case Role.UNIT_HR:
            return batches.filter(unit__in=scoping.units_visible_to(actor))
        case Role.PROVINCE_HR:
            return batches.all()
    return batches.none()


def bundles_visible_to(actor) -> QuerySet[Bundle]:
    """The printable bundles of the actor's unit (unit HR only)."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return Bundle.objects.none()
    return Bundle.objects.filter(unit__in=scoping.units_visible_to(actor))


def statements_visible_to(actor) -> QuerySet[EligibilityStatement]:
    """Statements about the people the actor may see (portal.scoping): her own for a
    professional, the people in scope for HR."""
    return EligibilityStatement.objects.filter(
        person__in=scoping.people_visible_to(actor)
    ).select_related("person")


def title_documents_visible_to(actor) -> QuerySet[TitleDocument]:
    """The documents the actor may download: a professional her own; provincial HR
    those of the people in its scope (portal.scoping), which it needs to resolve a
    document no font could draw. Nobody else: unit HR reads the certificates
    themselves."""
    if getattr(actor, "role", None) not in (Role.PROFESSIONAL, Role.PROVINCE_HR):
        return TitleDocument.objects.none()
    return TitleDocument.objects.filter(person__in=scoping.people_visible_to(actor))


def registration_checks_visible_to(actor) -> QuerySet[RegistrationCheck]:
    """The registration checks (职业资格注册学时核查) of the authorities the actor
    sees (portal.scoping): a department admin her authority's, provincial HR every
    authority's; nobody else any."""
    return RegistrationCheck.objects.filter(
        authority__in=scoping.authorities_visible_to(actor)
    ).select_related("authority", "requested_by")


def registration_check_authority(actor):
    """The authority on whose behalf the actor runs registration checks: a department
    admin's own; None for everybody else (provincial HR reads every check, runs none:
    a check is an industry authority's, the notice, section 一)."""
    if getattr(actor, "role", None) != Role.DEPARTMENT_ADMIN:
        return None
    return actor.authority


def batch_scope_for(actor, city=None) -> dict:
    """Whom a batch the actor starts covers, as batches.batch_create's keyword
    arguments: unit HR its own unit, whatever else was posted; provincial HR the city
    `city` names (its id as posted; Http404 when it is not an id of a city in the
    actor's scope), else the whole province ({})."""
    if getattr(actor, "role", None) == Role.UNIT_HR:
        return {"unit": actor.unit}
    if city in (None, ""):
        return {}
    return {"city": get_object_or_404(scoping.cities_visible_to(actor), pk=pk_or_404(city))}


def after_revocation_url(actor, certificate: Certificate) -> str:
    """Where the revoking HR goes next: unit HR back to its unit's certificates of the
    year, provincial HR to its search, showing the revoked certificate."""
    if getattr(actor, "role", None) == Role.UNIT_HR:
        return f"{reverse('certificates:unit')}?year={certificate.year}"
    return f"{reverse('certificates:search')}?q={certificate.serial}"


# -- who is due a certificate ----------------------------------------------------------


def people_of(*, unit=None, city=None) -> QuerySet[User]:
    """The approved professionals of `unit`, else of `city`, else of the province."""
    people = User.objects.professionals()
    if unit is not None:
        return people.filter(profile__unit=unit)
    if city is not None:
        return people.filter(profile__unit__city=city)
    return people


def valid_certificate(year: int) -> QuerySet[Certificate]:
    """The valid certificate of `year` of the person of the outer query (for Exists)."""
    return Certificate.objects.filter(
        person=OuterRef("pk"), year=year, status=Certificate.Status.VALID
    )


def compliant(people: QuerySet, year: int, rule: YearRule) -> QuerySet:
    """Those of `people` whose hours of `year` meet `rule`."""
    return people.filter(
        year_totals__year=year,
        year_totals__public_hours__gte=rule.public_min,
        year_totals__professional_hours__gte=rule.professional_min,
    )


def eligible_without_certificate(people: QuerySet, year: int, rule: YearRule) -> QuerySet:
    """Those of `people` who met `rule` in `year` and hold no valid certificate of it."""
    return compliant(people, year, rule).filter(~Exists(valid_certificate(year)))


def unit_year_summary(unit, year: int, rule: YearRule) -> dict:
    """The counts on top of unit HR's certificates page for `year`: certificates
    issued (valid), people eligible without one, and people whose hours miss the
    rule; and the revoked certificates of the year."""
    people = people_of(unit=unit)
    issued = Certificate.objects.filter(unit=unit, year=year, status=Certificate.Status.VALID)
    return {
        "counts": {
            "issued": issued.count(),
            "eligible": eligible_without_certificate(people, year, rule).count(),
            "not_eligible": people.count() - compliant(people, year, rule).count(),
        },
        "revoked": Certificate.objects.filter(
            unit=unit, year=year, status=Certificate.Status.REVOKED
        ),
    }


def with_certificate(people: QuerySet, year: int) -> QuerySet:
    """Annotate people with their valid certificate of `year`: serial, id and the hours
    it states (which a later ledger correction can make differ from the ledger)."""
    valid = valid_certificate(year)
    return people.annotate(
        certificate_serial=Subquery(valid.values("serial")[:1]),
        certificate_id=Subquery(valid.values("pk")[:1]),
        certificate_public=Subquery(valid.values("public_hours")[:1]),
        certificate_professional=Subquery(valid.values("professional_hours")[:1]),
    )


# -- what provincial HR resolves -------------------------------------------------------


def flagged_annual_certificates() -> QuerySet[Certificate]:
    """Valid annual certificates whose PDF no font could draw."""
    return Certificate.objects.exclude(render_blocked="").filter(status=Certificate.Status.VALID)


def blocked_certificates() -> list:
    """Certificates of every kind whose PDF no font could draw, newest first: what
    provincial HR must resolve (install a font, or correct the name)."""
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


# -- self-evaluating units (notice 五(一)) ------------------------------------------------


def _staff_of_outer_unit(year: int) -> QuerySet[User]:
    """The staff of the unit of the outer query in `year`, by the rule of
    portal.selectors.staff_of_unit_in_year (the unit a person was in at the end of
    the year; approved professionals only), with the unit as an OuterRef."""
    next_year, next_year_at = year_bounds(year)
    current = Q(profile__unit_id=OuterRef("pk")) & (
        Q(profile__unit_since__isnull=True) | Q(profile__unit_since__lt=next_year)
    )
    stint = PastEmployment.objects.filter(
        person=OuterRef("pk"), unit_id=OuterRef(OuterRef("pk")), ended_at__gte=next_year_at
    ).filter(Q(started_on__isnull=True) | Q(started_on__lt=next_year))
    return User.objects.professionals().filter(current | Exists(stint))


def self_evaluating_board(actor, year: int) -> QuerySet[Unit]:
    """The self-evaluating units (Unit.is_self_evaluating) the actor may see
    (portal.scoping.units_visible_to: every one for provincial HR, her own for unit
    HR), each annotated with its figures of `year`, all in one SQL statement:

    - `staff_count`: its staff in `year` (portal.selectors.staff_of_unit_in_year);
    - `registered_count`: those of them with any ledger entry (CreditEntry) of `year`;
    - `compliant_count`: those whose totals of `year` meet the year's rule (public and
      professional each at least its minimum, credits.selectors.staff_compliance);
      None when `year` has no rule;
    - `issued_count`: the valid certificates of `year` issued for the unit
      (Certificate.unit; a revoked one does not count).

    Units that do not use the platform come first (fewest staff with hours
    registered), then by city and name."""
    staff = _staff_of_outer_unit(year)
    registered = staff.filter(Exists(CreditEntry.objects.filter(person=OuterRef("pk"), year=year)))
    rule = YearRule.objects.filter(year=year).first()
    compliant_count = (
        subquery_count(staff_compliance(staff, year, rule, StaffStatus.MET))
        if rule is not None
        else Value(None, output_field=IntegerField())
    )
    issued = Certificate.objects.filter(
        unit=OuterRef("pk"), year=year, status=Certificate.Status.VALID
    )
    return (
        scoping.units_visible_to(actor)
        .filter(is_self_evaluating=True)
        .select_related("city")
        .annotate(
            staff_count=subquery_count(staff),
            registered_count=subquery_count(registered),
            compliant_count=compliant_count,
            issued_count=subquery_count(issued),
        )
        .order_by("registered_count", "city__code", "name", "pk")
    )


def self_evaluating_figures(actor, year: int) -> Unit | None:
    """The actor's own unit with its self_evaluating_board figures of `year`, or None
    when it is not a self-evaluating unit (or the actor has no unit): unit HR's home."""
    if getattr(actor, "unit_id", None) is None:
        return None
    return self_evaluating_board(actor, year).filter(pk=actor.unit_id).first()
