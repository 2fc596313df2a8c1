"""Self-evaluating units (职称自主评聘单位, notice 五(一)): provincial HR marks the units
that evaluate and appoint professional titles themselves, and unmarks them. Such a
unit issues its certificates in its own name (certificates.services) and must
register its staff's hours and issue their certificates through the platform; the
board of how far each one does is certificates.selectors.self_evaluating_board.
Every change is in the audit log."""

import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import scoping
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import normalize_credit_code
from portal.models import Membership, Role, Unit


class SelfEvaluationError(Refused):
    """A refused marking or unmarking, with a message the user may read."""


def units_markable_by(actor: Membership | None) -> QuerySet[Unit]:
    """The units the actor may mark or unmark as self-evaluating: every approved unit
    for provincial HR (the notice gives it the list; a registration still pending
    or rejected is no unit yet), none for any other role."""
    if getattr(actor, "role", None) != Role.PROVINCE_HR:
        return Unit.objects.none()
    return scoping.units_visible_to(actor)


def get_markable_unit_for(actor: Membership | None, pk) -> Unit:
    """The unit `pk` among units_markable_by(actor); Http404 otherwise (unknown and
    out of reach alike)."""
    return get_object_or_404(units_markable_by(actor).select_related("city"), pk=pk)


def self_evaluation_units(
    actor: Membership | None, *, search: str = "", marked_only: bool = False
) -> QuerySet[Unit]:
    """The units on provincial HR's marking page, self-evaluating ones first, then by
    city and name. `search` finds a unit by a part of its name or the start of its
    unified social credit code (spaces and case as the stored code: normalised);
    `marked_only` keeps the self-evaluating ones."""
    units = units_markable_by(actor).select_related("city")
    search = (search or "").strip()
    if search:
        code = normalize_credit_code(search)
        units = units.filter(Q(name__contains=search) | Q(credit_code__startswith=code))
    if marked_only:
        units = units.filter(is_self_evaluating=True)
    return units.order_by("-is_self_evaluating", "city__code", "name", "pk")


@transaction.atomic
def unit_set_self_evaluating(
    *, actor: Membership, unit_pk: int, on: bool, since: datetime.date | None = None
) -> Unit:
    """Mark (`on`) the unit `unit_pk` as self-evaluating from `since` (default:
    today), or unmark it (`since` is then ignored and cleared), under a row lock.

    Raises Http404 when the unit is not one the actor may mark (units_markable_by:
    an approved unit, for provincial HR); SelfEvaluationError when it already is (or
    is not) self-evaluating, or when `since` is in the future.
    Writes the audit entry portal.unit.self_evaluating_marked / _unmarked with the
    unit and the dates."""
    get_markable_unit_for(actor, unit_pk)
    unit = Unit.objects.select_for_update().get(pk=unit_pk)
    if on == unit.is_self_evaluating:
        message = (
            _("%(unit)s is already a self-evaluating unit.")
            if on
            else _("%(unit)s is not a self-evaluating unit.")
        )
        raise SelfEvaluationError(message % {"unit": unit.name})
    previous_since = unit.self_evaluating_since
    if on:
        today = timezone.localdate()
        since = since or today
        if since > today:
            raise SelfEvaluationError(_("The date cannot be in the future."))
        unit.is_self_evaluating, unit.self_evaluating_since = True, since
    else:
        unit.is_self_evaluating, unit.self_evaluating_since = False, None
    unit.save(update_fields=["is_self_evaluating", "self_evaluating_since"])
    audit_log(
        actor=actor.user,
        action=(
            "portal.unit.self_evaluating_marked" if on else "portal.unit.self_evaluating_unmarked"
        ),
        unit=unit.pk,
        since=unit.self_evaluating_since.isoformat() if on else None,
        previous_since=previous_since.isoformat() if previous_since else None,
    )
    return unit
