"""Moving to another unit. The person asks, the new unit's HR accepts, the former
unit's HR is told and may object for TRANSFER_OBJECTION_DAYS; then the move
completes. Hours and certificates belong to the person and do not move; the former
unit keeps read access to the years she worked there (scoping.past_staff_condition)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import scoping, selectors
from portal.accounts import AccountError, required_reason
from portal.audit import audit_log
from portal.models import Membership, PastEmployment, ReviewStatus, Role, Transfer, Unit, User

# Sent once a move has completed, for apps that keep work addressed to a unit
# (credits hands open declarations to the new unit).
transfer_completed = Signal()


class TransferError(AccountError):
    """A refused step of a transfer, with a message the user may read."""


@transaction.atomic
def transfer_request(*, person: User, to_unit: Unit) -> Transfer:
    """The person asks to move to `to_unit`. TransferError when it is her unit, not
    approved, when she is her unit's only HR administrator, or when she has a
    transfer under way already."""
    current = person.profile.unit
    if to_unit.pk == current.pk:
        raise TransferError(_("You already belong to this unit."))
    if to_unit.status != ReviewStatus.APPROVED:
        raise TransferError(_("That unit has not been approved yet; choose another one."))
    hr = selectors.active_unit_hr(current.pk)
    if hr.filter(pk=person.pk).exists() and not hr.exclude(pk=person.pk).exists():
        raise TransferError(
            _("You are the only HR administrator of %(unit)s; appoint another one first.")
            % {"unit": current.name}
        )
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(person=person, from_unit=current, to_unit=to_unit)
    except IntegrityError:
        raise TransferError(
            _("You have a transfer in progress; withdraw it before asking for another.")
        ) from None
    audit_log(actor=person, action="portal.transfer.requested", transfer=transfer.pk)
    return transfer


def _locked(actor: Membership, pk, *, statuses, side: str) -> Transfer:
    """The transfer, locked, if it is in one of `statuses` and the actor is its `side`
    (scoping.is_transfer_side: the person, or HR of the from_unit / to_unit);
    TransferError otherwise, Http404 when the actor may not see it."""
    transfer = get_object_or_404(
        scoping.transfers_visible_to(actor).select_for_update(of=("self",)), pk=pk
    )
    if transfer.status not in statuses or not scoping.is_transfer_side(actor, transfer, side):
        raise TransferError(_("This transfer cannot be changed in its present state."))
    return transfer


# The audit action of each way a transfer closes without completing.
_CLOSED_ACTIONS = {
    Transfer.Status.CANCELLED: "portal.transfer.cancelled",
    Transfer.Status.REJECTED: "portal.transfer.rejected",
    Transfer.Status.OBJECTED: "portal.transfer.objected",
}


def _close(transfer: Transfer, status, actor: User | None, reason: str = "") -> Transfer:
    transfer.status, transfer.reason, transfer.closed_at = status, reason, timezone.now()
    transfer.save(update_fields=["status", "reason", "closed_at"])
    audit_log(actor=actor, action=_CLOSED_ACTIONS[status], transfer=transfer.pk, reason=reason)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: Membership, pk) -> Transfer:
    """The person withdraws her open transfer. TransferError when it is not open;
    Http404 when it is not hers."""
    transfer = _locked(actor, pk, statuses=Transfer.OPEN, side="person")
    return _close(transfer, Transfer.Status.CANCELLED, actor.user)


@transaction.atomic
def transfer_decide(*, actor: Membership, pk, accept: bool, reason: str = "") -> Transfer:
    """The new unit's HR accepts (the objection period starts, the former unit is told
    by e-mail once this commits) or rejects, with a reason. TransferError when the
    transfer is not waiting for the actor's unit; Http404 when she may not see it."""
    transfer = _locked(actor, pk, statuses=[Transfer.Status.REQUESTED], side="to_unit")
    if not accept:
        return _close(transfer, Transfer.Status.REJECTED, actor.user, required_reason(reason))
    transfer.status = Transfer.Status.ACCEPTED
    transfer.objection_deadline = timezone.now() + datetime.timedelta(
        days=settings.TRANSFER_OBJECTION_DAYS
    )
    transfer.save(update_fields=["status", "objection_deadline"])
    audit_log(actor=actor.user, action="portal.transfer.accepted", transfer=transfer.pk)
    tell_former_unit.delay_on_commit(transfer.pk)
    return transfer


def former_unit_notify(transfer_id: int) -> None:
    """E-mail the former unit's HR administrators that the objection period runs."""
    transfer = Transfer.objects.select_related("person", "from_unit", "to_unit").get(pk=transfer_id)
    emails = list(
        selectors.active_unit_hr(transfer.from_unit_id)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not emails:
        return
    deadline = timezone.localtime(transfer.objection_deadline)
    send_mail(
        _("Transfer of %(name)s to %(unit)s")
        % {"name": transfer.person.real_name, "unit": transfer.to_unit.name},
        _(
            "%(unit)s has accepted %(name)s. If your unit objects, say so on the portal "
            "before %(deadline)s; after that the transfer completes."
        )
        % {
            "unit": transfer.to_unit.name,
            "name": transfer.person.real_name,
            "deadline": f"{deadline:%Y-%m-%d %H:%M}",
        },
        None,
        emails,
    )


@shared_task(name="portal.tasks.tell_former_unit")
def tell_former_unit(transfer_id: int) -> None:
    """Queued when a transfer is accepted (transfer_decide): former_unit_notify."""
    former_unit_notify(transfer_id)


@transaction.atomic
def transfer_object(*, actor: Membership, pk, reason: str) -> Transfer:
    """The former unit's HR objects before the period ends, with a reason; the move
    does not happen. TransferError after the period or without a reason."""
    transfer = _locked(actor, pk, statuses=[Transfer.Status.ACCEPTED], side="from_unit")
    if timezone.now() >= transfer.objection_deadline:
        raise TransferError(_("The objection period has ended."))
    return _close(transfer, Transfer.Status.OBJECTED, actor.user, required_reason(reason))


def transfers_complete_due(now: datetime.datetime | None = None) -> int:
    """Complete every accepted transfer whose objection period has ended; the number
    completed. Each transfer is claimed on its own, locked and still ACCEPTED, so two
    runs at once (a beat fired twice) complete it once."""
    now = now or timezone.now()
    due = Transfer.objects.filter(status=Transfer.Status.ACCEPTED, objection_deadline__lte=now)
    completed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            transfer = (
                Transfer.objects.select_for_update(of=("self",))
                .select_related("person__profile")
                .filter(pk=pk, status=Transfer.Status.ACCEPTED)
                .first()
            )
            if transfer is not None:
                _complete(transfer, now)
                completed += 1
    return completed


def _complete(transfer: Transfer, now: datetime.datetime) -> None:
    record = transfer.person.profile
    if record.unit_id != transfer.from_unit_id:  # moved some other way meanwhile
        _close(transfer, Transfer.Status.CANCELLED, None, _("The person's unit has changed."))
        return
    PastEmployment.objects.create(
        person=transfer.person, unit=transfer.from_unit, started_on=record.unit_since, ended_at=now
    )
    record.unit, record.unit_since = transfer.to_unit, timezone.localdate(now)
    record.save(update_fields=["unit", "unit_since"])
    # An HR administrator who leaves the unit no longer administers it.
    Membership.objects.filter(
        user=transfer.person, role=Role.UNIT_HR, unit=transfer.from_unit
    ).delete()
    transfer.status, transfer.closed_at = Transfer.Status.COMPLETED, now
    transfer.save(update_fields=["status", "closed_at"])
    audit_log(actor=None, action="portal.transfer.completed", transfer=transfer.pk)
    transfer_completed.send(sender=Transfer, transfer=transfer)
