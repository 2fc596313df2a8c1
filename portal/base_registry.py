"""The registry of continuing-education bases (专业技术人员继续教育基地, the notice
五(三); RULES.md "Continuing-education bases"), kept by provincial HR: a base's record
(level, host organisation, managing unit 基地管理单位, fields, period of validity), its
status (suspended or revoked after an inspection, 鲁人社发〔2016〕38号), and its staff
accounts (Role.BASE_STAFF scoped to the base). The trainings a base runs are the bases
app's. Every change is in the audit log.

Who keeps the registry is decided here (bases_kept_by: provincial HR); who manages
or sees a base is portal.scoping (bases_managed_by, bases_visible_to).
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from portal import scoping
from portal.accounts import required_reason
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import (
    INVISIBLE,
    normalize_credit_code,
    normalize_name,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
)
from portal.models import (
    Authority,
    Base,
    City,
    Membership,
    ReviewStatus,
    Role,
    Unit,
    User,
    phone_validator,
)

FIELD_MAX_LENGTH = 50
FIELDS_MAX = 30
# What people put between the fields of a list: new lines, the enumeration comma 、,
# full-width and ASCII commas and semicolons.
_FIELD_SEPARATORS = re.compile(r"[\r\n、，,；;]+")

# The status changes provincial HR may make, from → to (a revoked base stays revoked:
# a base set up again is registered anew).
STATUS_CHANGES = {
    Base.Status.ACTIVE: (Base.Status.SUSPENDED, Base.Status.REVOKED),
    Base.Status.SUSPENDED: (Base.Status.ACTIVE, Base.Status.REVOKED),
    Base.Status.REVOKED: (),
}
_STATUS_ACTIONS = {
    Base.Status.ACTIVE: "portal.base.reactivated",
    Base.Status.SUSPENDED: "portal.base.suspended",
    Base.Status.REVOKED: "portal.base.revoked",
}
# The record's fields a base_save compares and audits (the managing unit as its ids).
_RECORD_FIELDS = (
    "level",
    "name",
    "host_name",
    "host_credit_code",
    "managing_city_id",
    "managing_authority_id",
    "managing_unit_id",
    "fields",
    "valid_from",
    "valid_until",
    "contact",
)


class BaseRegistryError(Refused):
    """A refused change of the registry of bases, with a message the user may read."""


# -- reading ---------------------------------------------------------------------------


def keeps_registry(actor: Membership | None) -> bool:
    """Whether the actor keeps the registry of bases: provincial HR (鲁人社发〔2016〕38号
    gives it the registry; the notice 五(三))."""
    return getattr(actor, "role", None) == Role.PROVINCE_HR


def bases_kept_by(actor: Membership | None) -> QuerySet[Base]:
    """The bases whose record the actor keeps (edits, suspends, revokes, and whose staff
    accounts she adds and removes): every base for provincial HR, none for any other
    role."""
    return Base.objects.all() if keeps_registry(actor) else Base.objects.none()


def get_kept_base_for(actor: Membership | None, pk) -> Base:
    """The base `pk` among bases_kept_by(actor), with its managing unit; Http404
    otherwise (unknown and out of reach alike)."""
    return get_object_or_404(
        bases_kept_by(actor).select_related(
            "managing_city", "managing_authority", "managing_unit__city"
        ),
        pk=pk,
    )


def registry_bases(
    actor: Membership | None,
    *,
    level: str = "",
    status: str = "",
    city_id: int | None = None,
    search: str = "",
) -> QuerySet[Base]:
    """The bases on provincial HR's registry page, by level (national first) and name,
    each with `staff_count` (its base staff accounts). Filters: `level` and `status`
    (values of Base.Level / Base.Status; anything else is ignored), `city_id` (bases
    whose managing unit is that city's HR bureau), `search` (a part of the base's or
    the host's name, or the start of the host's credit code, as typed)."""
    bases = bases_kept_by(actor).select_related(
        "managing_city", "managing_authority", "managing_unit"
    )
    if level in Base.Level.values:
        bases = bases.filter(level=level)
    if status in Base.Status.values:
        bases = bases.filter(status=status)
    if city_id is not None:
        bases = bases.filter(managing_city_id=city_id)
    search = (search or "").strip()
    if search:
        code = normalize_credit_code(search)
        bases = bases.filter(
            Q(name__contains=search)
            | Q(host_name__contains=search)
            | Q(host_credit_code__startswith=code)
        )
    return bases.annotate(
        staff_count=Count("membership", filter=Q(membership__role=Role.BASE_STAFF))
    ).order_by("level", "name", "pk")


def bases_managed_list(actor: Membership | None) -> QuerySet[Base]:
    """The bases whose managing unit the actor acts for (scoping.bases_managed_by), by
    status (active first), level and name: the read-only list a city HR bureau, an
    industry authority or a unit sees."""
    return (
        scoping.bases_managed_by(actor)
        .select_related("managing_city", "managing_authority", "managing_unit")
        .order_by("status", "level", "name", "pk")
    )


def base_staff_of(base: Base) -> QuerySet[Membership]:
    """The base staff memberships of `base`, with their users, by name."""
    return (
        Membership.objects.filter(role=Role.BASE_STAFF, base=base)
        .select_related("user")
        .order_by("user__real_name", "pk")
    )


def status_changes_of(base: Base) -> tuple[str, ...]:
    """The statuses `base` may be set to now (STATUS_CHANGES)."""
    return STATUS_CHANGES.get(base.status, ())


# -- normal forms ------------------------------------------------------------------------


def normalize_fields(value) -> list[str]:
    """The fields (专业领域) of a base as a list: `value` is text (one field a line, or
    separated by 、 ， , ； ;) or a list of such texts. Each field NFKC with single
    spaces; empty ones dropped; a repeat (after normalising) kept once, in the order
    first given. Nothing is checked here: see check_fields."""
    texts = value if isinstance(value, list | tuple) else [value or ""]
    fields, seen = [], set()
    for text in texts:
        for part in _FIELD_SEPARATORS.split(str(text)):
            field = " ".join(unicodedata.normalize("NFKC", part).translate(INVISIBLE).split())
            if field and field.casefold() not in seen:
                seen.add(field.casefold())
                fields.append(field)
    return fields


def check_fields(fields: list[str]) -> list[str]:
    """`fields` (normalize_fields' list), or BaseRegistryError when it is empty, longer
    than FIELDS_MAX or has a field longer than FIELD_MAX_LENGTH characters."""
    if not fields:
        raise BaseRegistryError(_("Give at least one field the base trains in."))
    if len(fields) > FIELDS_MAX:
        raise BaseRegistryError(
            _("A base may have at most %(max)s fields; this list has %(count)s.")
            % {"max": FIELDS_MAX, "count": len(fields)}
        )
    for field in fields:
        if len(field) > FIELD_MAX_LENGTH:
            raise BaseRegistryError(
                _("The field “%(field)s” is longer than %(max)s characters.")
                % {"field": field, "max": FIELD_MAX_LENGTH}
            )
    return fields


# -- the record ----------------------------------------------------------------------------


def check_managing(
    managing_city: City | None, managing_authority: Authority | None, managing_unit: Unit | None
) -> None:
    """BaseRegistryError unless exactly one managing unit is given (and a unit is an
    approved one): the rule of the model's constraint base_one_managing_unit, with a
    message."""
    chosen = [m for m in (managing_city, managing_authority, managing_unit) if m is not None]
    if len(chosen) != 1:
        raise BaseRegistryError(
            _(
                "Choose exactly one managing unit: a city HR bureau, an industry "
                "authority or a unit."
            )
        )
    if managing_unit is not None and managing_unit.status != ReviewStatus.APPROVED:
        raise BaseRegistryError(
            _("%(unit)s has not been approved yet; choose another managing unit.")
            % {"unit": managing_unit.name}
        )


def _record(base: Base) -> dict:
    """The audited fields of `base`, JSON-ready."""
    record = {}
    for field in _RECORD_FIELDS:
        value = getattr(base, field)
        record[field] = value.isoformat() if isinstance(value, datetime.date) else value
    return record


@transaction.atomic
def base_save(
    *,
    actor: Membership,
    base_pk: int | None,
    level: str,
    name: str,
    host_name: str,
    host_credit_code: str,
    managing_city: City | None = None,
    managing_authority: Authority | None = None,
    managing_unit: Unit | None = None,
    fields,
    valid_from: datetime.date,
    valid_until: datetime.date,
    contact: str = "",
) -> Base:
    """Register a base (`base_pk` None; it starts active) or change the record of the
    base `base_pk` (under a row lock; its status is changed by base_set_status only).

    `host_credit_code` as typed (portal.identity.validate_credit_code), `fields` as text or a list
    (normalize_fields), exactly one of the three managing units (an approved unit).
    Raises Http404 when `base_pk` is not a base the actor keeps (bases_kept_by);
    BaseRegistryError when the level is unknown, a name is empty, the name is taken,
    the credit code is invalid, the managing unit is not exactly one, the fields list
    is empty, or the period of validity ends before it starts. Nothing is written
    then. Audit: portal.base.created (the record) or portal.base.updated (what
    changed, old and new; nothing is written when nothing changed)."""
    if base_pk is None:
        if not keeps_registry(actor):
            raise BaseRegistryError(_("Only provincial HR keeps the registry of bases."))
        base = Base(status=Base.Status.ACTIVE)
    else:
        get_kept_base_for(actor, base_pk)
        base = Base.objects.select_for_update().get(pk=base_pk)
    if level not in Base.Level.values:
        raise BaseRegistryError(_("Choose the level of the base."))
    name, host_name = " ".join((name or "").split()), " ".join((host_name or "").split())
    if not name or not host_name:
        raise BaseRegistryError(_("Give the name of the base and of its host organisation."))
    try:
        host_credit_code = validate_credit_code(host_credit_code)
    except ValidationError as error:
        raise BaseRegistryError(error.messages[0]) from None
    check_managing(managing_city, managing_authority, managing_unit)
    fields = check_fields(normalize_fields(fields))
    if valid_from is None or valid_until is None:
        raise BaseRegistryError(_("Give the period of validity."))
    if valid_until < valid_from:
        raise BaseRegistryError(_("The period of validity ends before it starts."))
    before = _record(base) if base.pk else None
    base.level, base.name, base.host_name = level, name, host_name
    base.host_credit_code, base.fields, base.contact = host_credit_code, fields, contact.strip()
    base.managing_city, base.managing_authority = managing_city, managing_authority
    base.managing_unit = managing_unit
    base.valid_from, base.valid_until = valid_from, valid_until
    try:
        with transaction.atomic():
            base.save()
    except IntegrityError:  # the name is taken (its only unique constraint)
        raise BaseRegistryError(
            _("A base named “%(name)s” is already registered.") % {"name": name}
        ) from None
    after = _record(base)
    if before is None:
        audit_log(actor=actor.user, action="portal.base.created", base=base.pk, record=after)
    else:
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            audit_log(actor=actor.user, action="portal.base.updated", base=base.pk, changed=changed)
    return base


@transaction.atomic
def base_set_status(*, actor: Membership, base_pk: int, status: str, reason: str) -> Base:
    """Suspend, revoke or reactivate the base `base_pk` (STATUS_CHANGES: a revoked base
    stays revoked), giving the reason (inspection findings, rectification done).

    Raises Http404 when the base is not one the actor keeps; BaseRegistryError when
    the change is not one of STATUS_CHANGES from its status now, or the reason is
    empty or too long (portal.accounts.required_reason; AccountError). Audit:
    portal.base.suspended / portal.base.revoked / portal.base.reactivated with the
    previous status and the reason."""
    get_kept_base_for(actor, base_pk)
    base = Base.objects.select_for_update().get(pk=base_pk)
    if status not in status_changes_of(base):
        if base.status == Base.Status.REVOKED:
            raise BaseRegistryError(
                _("%(base)s is revoked; a revoked base is not set up again, register it anew.")
                % {"base": base.name}
            )
        raise BaseRegistryError(
            _("%(base)s cannot be set to “%(status)s” now; it is “%(now)s”.")
            % {
                "base": base.name,
                "status": Base.Status(status).label if status in Base.Status.values else status,
                "now": base.get_status_display(),
            }
        )
    reason = required_reason(reason)
    previous = base.status
    base.status = status
    base.save(update_fields=["status"])
    audit_log(
        actor=actor.user,
        action=_STATUS_ACTIONS[status],
        base=base.pk,
        previous=previous,
        reason=reason,
    )
    return base


# -- staff accounts ----------------------------------------------------------------------


@transaction.atomic
def base_staff_add(
    *,
    actor: Membership,
    base_pk: int,
    real_name: str,
    phone: str,
    id_number: str = "",
    email: str = "",
) -> tuple[Membership, bool]:
    """Make a person staff of the base `base_pk` (Role.BASE_STAFF scoped to it):
    (the membership, whether her account was created now).

    The person is the account with `id_number` when one is given, else the account
    with `phone`; its name must be `real_name` (normalised). An existing account keeps
    its login and password and gains the role. Without an account, one is created
    (needs `id_number`: the login) with `real_name`, `phone` and `email` and no usable
    password: she sets it on 忘记密码 with her ID number and that phone or e-mail
    (portal.password_reset), so no password travels.

    Raises Http404 when the base is not one the actor keeps; BaseRegistryError when the
    base is revoked, the ID number or phone is invalid, no account has the phone and
    no ID number is given, the phone belongs to another account, the name differs
    from the account's, the account is disabled, or she is staff of the base already.
    Audit: portal.base_staff.added (base, person, whether the account is new)."""
    get_kept_base_for(actor, base_pk)
    base = Base.objects.select_for_update().get(pk=base_pk)
    if base.status == Base.Status.REVOKED:
        raise BaseRegistryError(_("%(base)s is revoked; it has no staff.") % {"base": base.name})
    real_name = normalize_name(real_name or "")
    if not real_name:
        raise BaseRegistryError(_("Give her real name."))
    phone = normalize_phone(phone or "")
    try:
        phone_validator(phone)
        id_number = validate_id_number(id_number) if (id_number or "").strip() else ""
    except ValidationError as error:
        raise BaseRegistryError(error.messages[0]) from None
    by_phone = User.objects.filter(phone=phone).first()
    if id_number:
        person = User.objects.filter(id_number=id_number).first()
        if person is None and by_phone is not None:
            raise BaseRegistryError(
                _(
                    "The mobile phone %(phone)s belongs to another account (with another "
                    "ID card number); check the phone and the ID card number."
                )
                % {"phone": phone}
            )
    else:
        person = by_phone
        if person is None:
            raise BaseRegistryError(
                _(
                    "No account has the mobile phone %(phone)s; give her ID card number "
                    "to create one."
                )
                % {"phone": phone}
            )
    created = person is None
    if created:
        try:
            with transaction.atomic():
                person = User.objects.create_user(
                    id_number, None, real_name=real_name, phone=phone, email=email or ""
                )
        except (IntegrityError, ValidationError):  # taken meanwhile, or a bad e-mail
            raise BaseRegistryError(
                _("The account could not be created; check the ID card number and the phone.")
            ) from None
    elif normalize_name(person.real_name) != real_name:
        raise BaseRegistryError(
            _(
                "The account with this %(key)s is in the name of %(name)s, not "
                "%(given)s; check the details."
            )
            % {
                "key": _("ID card number") if id_number else _("mobile phone"),
                "name": person.real_name,
                "given": real_name,
            }
        )
    elif not person.is_active:
        raise BaseRegistryError(
            _("The account of %(name)s is disabled; it cannot be given a role.")
            % {"name": person.real_name}
        )
    membership, new = Membership.objects.get_or_create(user=person, role=Role.BASE_STAFF, base=base)
    if not new:
        raise BaseRegistryError(
            _("%(name)s is staff of %(base)s already.")
            % {"name": person.real_name, "base": base.name}
        )
    audit_log(
        actor=actor.user,
        action="portal.base_staff.added",
        base=base.pk,
        person=person.pk,
        new_account=created,
    )
    return membership, created


@transaction.atomic
def base_staff_remove(*, actor: Membership, base_pk: int, membership_pk: int) -> Membership:
    """Take the role of staff of the base `base_pk` from the holder of the membership
    `membership_pk`; her account and its other roles stay. Raises Http404 when the
    base is not one the actor keeps or the membership is not a base staff role of it.
    Audit: portal.base_staff.removed (base, person)."""
    base = get_kept_base_for(actor, base_pk)
    membership = get_object_or_404(
        Membership.objects.select_for_update().select_related("user"),
        pk=membership_pk,
        role=Role.BASE_STAFF,
        base=base,
    )
    membership.delete()
    audit_log(
        actor=actor.user,
        action="portal.base_staff.removed",
        base=base.pk,
        person=membership.user_id,
    )
    return membership
