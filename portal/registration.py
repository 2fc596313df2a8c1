"""Self-registration: professionals register and their unit's HR approves them;
units register with their first HR administrator and the city HR bureau (provincial
HR for province-direct units) approves them. Every step is in the audit log."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import scoping
from portal.audit import audit_log
from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role, Unit, User

PROFILE_FIELDS = ("title_series", "title_level", "title_obtained_on")


class RegistrationError(ValueError):
    pass


def id_number_taken_message() -> str:
    return _(
        "An account with this ID card number exists already; each number has one "
        "account. If it is yours, reset its password with “Forgot your password?”."
    )


def _create_person(*, id_number, real_name, phone, email, password, unit, **profile) -> User:
    if User.objects.filter(id_number=id_number).exists():
        raise RegistrationError(id_number_taken_message())
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                id_number, password, real_name=real_name, phone=phone or None, email=email
            )
            ProfessionalProfile.objects.create(
                user=user, unit=unit, status=ReviewStatus.PENDING, **profile
            )
    except IntegrityError:  # the same number or phone registered a moment ago
        raise RegistrationError(id_number_taken_message()) from None
    return user


def person_register(*, unit: Unit, **data) -> User:
    """A professional registers; she can log in but do nothing until approved."""
    if unit.status != ReviewStatus.APPROVED:
        raise RegistrationError(_("That unit has not been approved yet; choose another one."))
    user = _create_person(unit=unit, **data)
    audit_log(actor=user, action="portal.registration.submitted", person=user.pk, unit=unit.pk)
    return user


def registration_resubmit(*, user: User, real_name, phone, email, unit, **profile) -> User:
    """After a rejection the person corrects what she entered and asks again."""
    record = user.profile
    if record.status != ReviewStatus.REJECTED:
        raise RegistrationError(_("Only a rejected registration can be resubmitted."))
    if unit.status != ReviewStatus.APPROVED:
        raise RegistrationError(_("That unit has not been approved yet; choose another one."))
    user.real_name, user.phone, user.email = real_name, phone or None, email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["real_name", "phone", "email"])
    for field in PROFILE_FIELDS:
        setattr(record, field, profile.get(field))
    record.unit, record.status, record.rejection_reason = unit, ReviewStatus.PENDING, ""
    record.save()
    audit_log(actor=user, action="portal.registration.resubmitted", person=user.pk, unit=unit.pk)
    return user


def _activate(user: User, *roles: tuple[str, Unit | None]) -> None:
    # unit_since stays empty: the unit she registered with is her unit of record for
    # every year before her first transfer.
    record = user.profile
    record.status, record.rejection_reason = ReviewStatus.APPROVED, ""
    record.save(update_fields=["status", "rejection_reason"])
    for role, unit in roles:
        Membership.objects.get_or_create(user=user, role=role, unit=unit)


@transaction.atomic
def registration_decide(*, actor: Membership, pk, approve: bool, reason: str = "") -> User:
    """Unit HR approves or rejects (with a reason) a pending registration of its unit."""
    person = scoping.get_registration_for(actor, pk)
    if person.profile.status != ReviewStatus.PENDING:
        raise RegistrationError(_("This registration has been decided already."))
    if approve:
        _activate(person, (Role.PROFESSIONAL, None))
    else:
        if not reason.strip():
            raise RegistrationError(_("Give the reason for the rejection."))
        person.profile.status = ReviewStatus.REJECTED
        person.profile.rejection_reason = reason.strip()
        person.profile.save(update_fields=["status", "rejection_reason"])
    audit_log(
        actor=actor.user,
        action=f"portal.registration.{'approved' if approve else 'rejected'}",
        person=person.pk,
        reason=reason.strip(),
    )
    return person


def person_rename(*, actor: Membership, pk, real_name: str, reason: str) -> User:
    """Correct a person's name: an HR action, logged with the old and the new name."""
    if actor.role != Role.UNIT_HR:
        raise RegistrationError(_("Only the unit's HR office corrects names."))
    person = scoping.get_person_for(actor, pk)
    old = person.real_name
    person.real_name = real_name.strip()
    person.save(update_fields=["real_name"])
    audit_log(
        actor=actor.user,
        action="portal.person.renamed",
        person=person.pk,
        old=old,
        new=person.real_name,
        reason=reason,
    )
    return person


def unit_register(*, unit: dict, hr: dict) -> Unit:
    """A unit registers with its first HR administrator, who is registered as a person."""
    if Unit.objects.filter(credit_code=unit["credit_code"]).exists():
        raise RegistrationError(_("A unit with this unified social credit code is registered."))
    with transaction.atomic():
        record = Unit(status=ReviewStatus.PENDING, **unit)
        record.full_clean()
        record.save()
        user = _create_person(unit=record, **hr)
        record.registered_by = user
        record.save(update_fields=["registered_by"])
    audit_log(actor=user, action="portal.unit.registered", unit=record.pk, name=record.name)
    return record


def unit_resubmit(*, user: User, **data) -> Unit:
    """After a rejection the registrant corrects the unit's details and asks again."""
    unit = user.profile.unit
    if unit.registered_by_id != user.pk or unit.status != ReviewStatus.REJECTED:
        raise RegistrationError(_("Only a rejected registration can be resubmitted."))
    for field, value in data.items():
        setattr(unit, field, value)
    unit.status, unit.rejection_reason = ReviewStatus.PENDING, ""
    unit.full_clean()
    unit.save()
    audit_log(actor=user, action="portal.unit.resubmitted", unit=unit.pk)
    return unit


@transaction.atomic
def unit_decide(*, actor: Membership, pk, approve: bool, reason: str = "") -> Unit:
    unit = scoping.get_unit_registration_for(actor, pk)
    if unit.status != ReviewStatus.PENDING:
        raise RegistrationError(_("This registration has been decided already."))
    if approve:
        unit.status, unit.rejection_reason = ReviewStatus.APPROVED, ""
        if unit.registered_by is not None:
            _activate(unit.registered_by, (Role.PROFESSIONAL, None), (Role.UNIT_HR, unit))
    else:
        if not reason.strip():
            raise RegistrationError(_("Give the reason for the rejection."))
        unit.status, unit.rejection_reason = ReviewStatus.REJECTED, reason.strip()
    unit.save(update_fields=["status", "rejection_reason"])
    audit_log(
        actor=actor.user,
        action=f"portal.unit.{'approved' if approve else 'rejected'}",
        unit=unit.pk,
        reason=reason.strip(),
    )
    return unit


def approver_of(user: User) -> str:
    """Who decides the user's registration, in words for her waiting page."""
    unit = user.profile.unit
    if unit.status != ReviewStatus.APPROVED:
        if unit.is_province_direct:
            return _("the provincial HR department")
        return _("the HR bureau of %(city)s") % {"city": unit.city.name}
    return _("the HR office of %(unit)s") % {"unit": unit.name}
