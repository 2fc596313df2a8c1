"""Unit HR keeps the accounts of its unit: disable and re-enable them, and make a
second HR administrator. Every change is in the audit log."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal import scoping
from portal.actions import Refused
from portal.audit import audit_log
from portal.models import Membership, Role, User
from portal.selectors import holds_roles_elsewhere

REASON_MAX = 200


class AccountError(Refused):
    """A refused account operation, with a message the user may read."""


def required_reason(reason: str) -> str:
    """The reason a refusal or an objection must give, stripped; AccountError when it
    is empty or longer than REASON_MAX characters."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_("Give the reason."))
    if len(reason) > REASON_MAX:
        raise AccountError(
            _("The reason may have at most %(max)s characters.") % {"max": REASON_MAX}
        )
    return reason


@transaction.atomic
def account_set_active(*, actor: Membership, person: User, active: bool) -> User:
    """Disable or re-enable the login of a person of the actor's unit.

    The account is one login for every role its owner holds, so a unit may switch it
    only when it is the unit's alone: an account that also holds a role elsewhere (a
    city HR officer on the unit's staff) is refused, not half-disabled — turning off
    her city login is not the unit's decision, and neither is turning back on a login
    someone else disabled. Raises AccountError (a message for the user) when refused;
    Http404 when the person is not one the actor manages (scoping.people_managed_by).
    """
    person = scoping.get_managed_person_for(actor, person.pk)
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


@transaction.atomic
def unit_hr_add(*, actor: Membership, person: User) -> Membership:
    """Make a person of the actor's unit one more HR administrator of it. AccountError
    when her account is disabled; Http404 when she is not one the actor manages."""
    person = scoping.get_managed_person_for(actor, person.pk)
    if not person.is_active:
        raise AccountError(_("Enable the account first."))
    membership, created = Membership.objects.get_or_create(
        user=person, role=Role.UNIT_HR, unit=actor.unit
    )
    if created:
        audit_log(actor=actor.user, action="portal.unit_hr.added", person=person.pk)
    return membership
