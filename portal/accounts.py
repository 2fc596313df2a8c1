"""Unit HR keeps the accounts of its unit: disable and re-enable them, and make a
second HR administrator. Every change is in the audit log."""

from django.db.models import Q
from django.utils.translation import gettext as _

from portal import scoping
from portal.audit import audit_log
from portal.models import Membership, Role, User

REASON_MAX = 200


class AccountError(ValueError):
    """A refused account operation, with a message the user may read."""


def required_reason(reason: str) -> str:
    """The reason a refusal or an objection must give."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_("Give the reason."))
    if len(reason) > REASON_MAX:
        raise AccountError(
            _("The reason may have at most %(max)s characters.") % {"max": REASON_MAX}
        )
    return reason


def _own_unit_person(actor: Membership, person: User) -> User:
    if actor.role != Role.UNIT_HR:
        raise AccountError(_("Only the unit's HR office manages its accounts."))
    return scoping.get_person_for(actor, person.pk)


def holds_roles_elsewhere(*, person: User, unit_id: int) -> bool:
    """Whether the account is more than the unit's to keep: a role outside that unit
    (city HR, another unit's HR, an institution …) or access to the admin site."""
    if person.is_staff or person.is_superuser:
        return True
    here = Q(role=Role.PROFESSIONAL) | Q(role=Role.UNIT_HR, unit_id=unit_id)
    return person.memberships.exclude(here).exists()


def account_set_active(*, actor: Membership, person: User, active: bool) -> User:
    """Disable or re-enable the login of a person of the actor's unit.

    The account is one login for every role its owner holds, so a unit may switch it
    only when it is the unit's alone: an account that also holds a role elsewhere (a
    city HR officer on the unit's staff) is refused, not half-disabled — turning off
    her city login is not the unit's decision, and neither is turning back on a login
    someone else disabled. Raises AccountError (a message for the user) when refused;
    Http404 when the person is not the unit's.
    """
    person = _own_unit_person(actor, person)
    if person.pk == actor.user_id and not active:
        raise AccountError(_("You cannot disable your own account."))
    if holds_roles_elsewhere(person=person, unit_id=actor.unit_id):
        raise AccountError(
            _(
                "This person also holds a role outside your unit, so her account is not "
                "your unit's alone to disable or enable; ask provincial HR."
            )
        )
    person.is_active = active
    person.save(update_fields=["is_active"])
    audit_log(
        actor=actor.user,
        action="portal.account.enabled" if active else "portal.account.disabled",
        person=person.pk,
    )
    return person


def unit_hr_add(*, actor: Membership, person: User) -> Membership:
    """Make a person of the unit one more HR administrator of it."""
    person = _own_unit_person(actor, person)
    if not person.is_active:
        raise AccountError(_("Enable the account first."))
    membership, created = Membership.objects.get_or_create(
        user=person, role=Role.UNIT_HR, unit=actor.unit
    )
    if created:
        audit_log(actor=actor.user, action="portal.unit_hr.added", person=person.pk)
    return membership
