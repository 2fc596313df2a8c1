"""Unit HR keeps the accounts of its unit: disable and re-enable them, and make a
second HR administrator. Every change is in the audit log."""

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


def account_set_active(*, actor: Membership, person: User, active: bool) -> User:
    person = _own_unit_person(actor, person)
    if person.pk == actor.user_id and not active:
        raise AccountError(_("You cannot disable your own account."))
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
