"""Self-registration: professionals register and their unit's HR approves them;
units register with their first HR administrator and the city HR bureau (provincial
HR for province-direct units) approves them. Every step is in the audit log."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal import scoping
from portal.accounts import AccountError, required_reason
from portal.audit import audit_log
from portal.identity import normalize_id_number, normalize_name, normalize_phone
from portal.models import Membership, ProfessionalProfile, ReviewStatus, Role, Unit, User

PROFILE_FIELDS = ("title_series", "title_level", "title_obtained_on")

# Sent when a person's registration is approved, for apps that held something back
# while it was pending (digital_engineer posts the hours of classes she passed).
registration_approved = Signal()


class RegistrationError(AccountError):
    """A refused registration step, with a message the user may read."""


def id_number_taken_message() -> str:
    return _(
        "An account with this ID card number exists already; each number has one "
        "account. If it is yours, reset its password with “Forgot your password?”."
    )


def id_number_without_profile_message() -> str:
    return _(
        "This ID card number has an account already (made by a training institution or "
        "for an HR administrator). Log in with it and complete your registration as a "
        "professional there."
    )


def phone_taken_message() -> str:
    return _("This mobile phone number belongs to another account.")


def credit_code_taken_message() -> str:
    return _("A unit with this unified social credit code is registered.")


def _refusal(*, id_number=None, phone=None, credit_code=None, user=None, unit=None):
    """Say which value a concurrent registration took a moment ago (not counting the
    account or unit being edited)."""
    users = User.objects.exclude(pk=getattr(user, "pk", None))
    taken = users.filter(id_number=id_number).select_related("profile").first()
    if id_number and taken is not None:
        if hasattr(taken, "profile"):
            return RegistrationError(id_number_taken_message())
        return RegistrationError(id_number_without_profile_message())
    if phone and users.filter(phone=phone).exists():
        return RegistrationError(phone_taken_message())
    units = Unit.objects.exclude(pk=getattr(unit, "pk", None))
    if credit_code and units.filter(credit_code=credit_code).exists():
        return RegistrationError(credit_code_taken_message())
    return RegistrationError(_("The registration could not be saved; please check it."))


def _check_unit(unit: Unit) -> None:
    if unit.status != ReviewStatus.APPROVED:
        raise RegistrationError(_("That unit has not been approved yet; choose another one."))


def _create_person(*, id_number, real_name, phone, email, password, unit, **profile) -> User:
    """Create the account and its pending profile.

    A phone that belongs to another account is left off the new one, without a word:
    refusing the registration would tell anyone which phones are registered. The new
    account logs in with its ID number; she adds a phone on 我的账号 later, and her
    unit's HR sees an account without one. (A shared family phone or a typo is the
    honest case; an ID number, which only one account can have, is what is refused.)
    """
    # The forms hand over normal forms already; the model stores nothing else, and
    # _refusal must look up what was stored.
    id_number, phone = normalize_id_number(id_number), normalize_phone(phone or "") or None
    if phone and User.objects.filter(phone=phone).exists():
        phone = None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                id_number, password, real_name=real_name, phone=phone, email=email
            )
            ProfessionalProfile.objects.create(
                user=user, unit=unit, status=ReviewStatus.PENDING, **profile
            )
    except (IntegrityError, ValidationError):  # checked by the form; taken meanwhile
        # Only a registration racing this one can have taken the phone meanwhile;
        # the refusal names the ID number if that is what was taken, never the phone.
        raise _refusal(id_number=id_number) from None
    return user


@transaction.atomic
def person_register(*, unit: Unit, **data) -> User:
    """A professional registers; she can log in but do nothing until approved.
    RegistrationError when the unit is not approved or her ID number is taken."""
    _check_unit(unit)
    user = _create_person(unit=unit, **data)
    audit_log(actor=user, action="portal.registration.submitted", person=user.pk, unit=unit.pk)
    return user


def _save_contact(user: User, *, real_name, phone, email) -> None:
    phone = normalize_phone(phone or "") or None
    user.real_name, user.phone, user.email = normalize_name(real_name), phone, email
    try:
        with transaction.atomic():
            user.full_clean(exclude=["password"])
            user.save(update_fields=["real_name", "phone", "email"])
    except (IntegrityError, ValidationError):  # checked by the form; taken meanwhile
        raise _refusal(phone=phone, user=user) from None


@transaction.atomic
def _save_details(user: User, *, real_name, phone, email, unit, **profile) -> None:
    """Store what the person entered about herself; RegistrationError if refused."""
    _check_unit(unit)
    _save_contact(user, real_name=real_name, phone=phone, email=email)
    record, _created = ProfessionalProfile.objects.get_or_create(user=user, defaults={"unit": unit})
    for field in PROFILE_FIELDS:
        setattr(record, field, profile.get(field))
    record.unit, record.status, record.rejection_reason = unit, ReviewStatus.PENDING, ""
    record.save()


@transaction.atomic
def contact_update(*, user: User, phone: str, email: str) -> User:
    """A person changes her own phone and e-mail; the name and ID number stay.
    RegistrationError when the phone was taken by another account meanwhile."""
    old = {"phone": user.phone, "email": user.email}
    _save_contact(user, real_name=user.real_name, phone=phone, email=email)
    audit_log(actor=user, action="portal.contact.updated", person=user.pk, old=old)
    return user


@transaction.atomic
def profile_register(*, user: User, **data) -> User:
    """An account without a profile (a trainee, an HR administrator) registers as a
    professional of a unit; the unit approves as for any registration."""
    if hasattr(user, "profile"):
        raise RegistrationError(_("You are registered as a professional already."))
    _save_details(user, **data)
    audit_log(
        actor=user, action="portal.registration.submitted", person=user.pk, unit=data["unit"].pk
    )
    return user


@transaction.atomic
def registration_resubmit(*, user: User, **data) -> User:
    """After a rejection the person corrects what she entered and asks again."""
    if user.profile.status != ReviewStatus.REJECTED:
        raise RegistrationError(_("Only a rejected registration can be resubmitted."))
    _save_details(user, **data)
    audit_log(
        actor=user, action="portal.registration.resubmitted", person=user.pk, unit=data["unit"].pk
    )
    return user


def _activate(user: User, *roles: tuple[str, Unit | None]) -> None:
    # unit_since stays empty: the unit she registered with is her unit of record for
    # every year before her first transfer.
    ProfessionalProfile.objects.filter(user=user).update(
        status=ReviewStatus.APPROVED, rejection_reason=""
    )
    for role, unit in roles:
        Membership.objects.get_or_create(user=user, role=role, unit=unit)
    registration_approved.send(sender=ProfessionalProfile, user=user)


def _decision(approve: bool, reason: str) -> tuple[str, str]:
    if approve:
        return ReviewStatus.APPROVED, ""
    return ReviewStatus.REJECTED, required_reason(reason)


@transaction.atomic
def registration_decide(*, actor: Membership, pk, approve: bool, reason: str = "") -> User:
    """Unit HR approves or rejects (with a reason) a pending registration of its unit.
    RegistrationError when it has been decided already or a rejection gives no reason;
    Http404 when it is not a registration to the actor's unit."""
    # Locked, and still a registration to the actor's unit (she may have resubmitted).
    record = get_object_or_404(
        scoping.registration_records_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("user"),
        user_id=pk,
    )
    person = record.user
    if record.status != ReviewStatus.PENDING:
        raise RegistrationError(_("This registration has been decided already."))
    status, reason = _decision(approve, reason)
    if approve:
        _activate(person, (Role.PROFESSIONAL, None))
    else:
        record.status, record.rejection_reason = status, reason
        record.save(update_fields=["status", "rejection_reason"])
    audit_log(
        actor=actor.user,
        action="portal.registration.approved" if approve else "portal.registration.rejected",
        person=person.pk,
        reason=reason,
    )
    return person


@transaction.atomic
def person_correct(*, actor: Membership, pk, reason: str, real_name: str, **title) -> User:
    """Correct a person's name or title: an HR action, logged with old and new values.
    RegistrationError without a reason or a change; Http404 when the person is not
    one the actor manages (scoping.people_managed_by)."""
    person = scoping.get_managed_person_for(actor, pk)
    reason, record, real_name = required_reason(reason), person.profile, normalize_name(real_name)
    changes = {"real_name": (person.real_name, real_name)} | {
        field: (getattr(record, field), value) for field, value in title.items()
    }
    changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
    if not changes:
        raise RegistrationError(_("Nothing was changed."))
    person.real_name = real_name
    person.save(update_fields=["real_name"])
    for field, value in title.items():
        setattr(record, field, value)
    record.save(update_fields=list(title))
    audit_log(
        actor=actor.user,
        action="portal.person.corrected",
        person=person.pk,
        old={field: str(pair[0] or "") for field, pair in changes.items()},
        new={field: str(pair[1] or "") for field, pair in changes.items()},
        reason=reason,
    )
    return person


@transaction.atomic
def unit_register(*, unit: dict, hr: dict) -> Unit:
    """A unit registers with its first HR administrator, who is registered as a person."""
    try:
        with transaction.atomic():
            record = Unit(status=ReviewStatus.PENDING, **unit)
            record.full_clean()
            record.save()
            user = _create_person(unit=record, **hr)
            record.registered_by = user
            record.save(update_fields=["registered_by"])
    except (IntegrityError, ValidationError):
        raise _refusal(credit_code=unit["credit_code"]) from None
    audit_log(actor=user, action="portal.unit.registered", unit=record.pk, name=record.name)
    return record


@transaction.atomic
def unit_resubmit(*, user: User, **data) -> Unit:
    """After a rejection the registrant corrects the unit's details and asks again."""
    unit = user.profile.unit
    if unit.registered_by_id != user.pk or unit.status != ReviewStatus.REJECTED:
        raise RegistrationError(_("Only a rejected registration can be resubmitted."))
    for field, value in data.items():
        setattr(unit, field, value)
    unit.status, unit.rejection_reason = ReviewStatus.PENDING, ""
    try:
        with transaction.atomic():
            unit.full_clean()
            unit.save()
    except (IntegrityError, ValidationError):
        raise _refusal(credit_code=data.get("credit_code"), unit=unit) from None
    audit_log(actor=user, action="portal.unit.resubmitted", unit=unit.pk)
    return unit


@transaction.atomic
def unit_decide(*, actor: Membership, pk, approve: bool, reason: str = "") -> Unit:
    """City HR (provincial HR for province-direct units) decides a unit's registration;
    on approval the registrant becomes the unit's HR administrator."""
    unit = get_object_or_404(
        scoping.unit_registrations_visible_to(actor).select_for_update(of=("self",)), pk=pk
    )
    if unit.status != ReviewStatus.PENDING:
        raise RegistrationError(_("This registration has been decided already."))
    unit.status, unit.rejection_reason = _decision(approve, reason)
    unit.save(update_fields=["status", "rejection_reason"])
    if approve and unit.registered_by is not None:
        _activate(unit.registered_by, (Role.PROFESSIONAL, None), (Role.UNIT_HR, unit))
    audit_log(
        actor=actor.user,
        action="portal.unit.approved" if approve else "portal.unit.rejected",
        unit=unit.pk,
        reason=unit.rejection_reason,
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
