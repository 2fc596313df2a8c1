"""Declared activities: a professional declares, unit HR reviews, the authority may
review again, and the hours post to the ledger after the last approval."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from credits.models import ActivityKind, Declaration, Evidence, Review, SecondReviewSetting, Source
from credits.services import LedgerError, clean_hours, credit_post
from portal.audit import audit_log
from portal.formats import format_hours
from portal.models import User

EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def needs_second_review(unit) -> bool:
    if unit.authority_id is None:
        return False
    return SecondReviewSetting.objects.filter(
        authority_id=unit.authority_id, requires_second_review=True
    ).exists()


@transaction.atomic
def declaration_create(
    *,
    person,
    kind: ActivityKind,
    occurred_on,
    quantity: Decimal,
    with_bonus: bool,
    description: str,
    evidence_files: list[tuple],
) -> Declaration:
    """Create a declaration awaiting unit review.

    `evidence_files` holds (upload, content_type) pairs already checked by the form.
    """
    unit = person.profile.unit
    declaration = Declaration.objects.create(
        person=person,
        unit=unit,
        kind=kind,
        occurred_on=occurred_on,
        quantity=quantity,
        with_bonus=with_bonus and bool(kind.bonus_hours),
        description=description,
        claimed_hours=kind.suggested_hours(quantity, with_bonus),
        needs_second_review=needs_second_review(unit),
    )
    stored = []
    try:
        for upload, content_type in evidence_files:
            original_name = upload.name
            evidence = Evidence(
                declaration=declaration,
                original_name=original_name[:200],
                content_type=content_type,
                size=upload.size,
            )
            # A random stored name: the person's file name may be anything.
            evidence.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", upload, save=False)
            stored.append(evidence.file)
            evidence.save()
    except Exception:
        for file in stored:  # the transaction rolls back; remove what reached the disk
            file.storage.delete(file.name)
        raise
    audit_log(actor=person, action="credits.declaration.created", declaration=declaration.pk)
    return declaration


def hours_left_under_cap(declaration: Declaration) -> Decimal | None:
    """How many hours of this kind the person may still get this year; None: no cap."""
    cap = declaration.kind.cap_per_year
    if cap is None:
        return None
    credited = (
        Declaration.objects.filter(
            person_id=declaration.person_id,
            kind_id=declaration.kind_id,
            occurred_on__year=declaration.year,
            status=Declaration.Status.APPROVED,
            credit__reversals__isnull=True,
        )
        .exclude(pk=declaration.pk)
        .aggregate(total=Sum("approved_hours"))["total"]
    ) or Decimal(0)
    return max(Decimal(0), cap - credited)


@dataclass(frozen=True)
class HoursProposal:
    """The hours a review form proposes for a declaration."""

    hours: Decimal | None  # None: the yearly cap allows nothing more
    asked: Decimal  # claimed, or what the unit approved when the authority reviews
    left: Decimal | None  # what the kind's yearly cap still allows; None: no cap

    @property
    def lowered(self) -> bool:
        return self.left is not None and self.left < self.asked


def review_hours_proposal(declaration: Declaration) -> HoursProposal:
    """What was asked, lowered to what the kind's yearly cap still allows (so that the
    form never proposes hours the review would refuse)."""
    asked = declaration.approved_hours or declaration.claimed_hours
    left = hours_left_under_cap(declaration)
    hours = asked if left is None else min(asked, left)
    return HoursProposal(hours=hours if hours > 0 else None, asked=asked, left=left)


@transaction.atomic
def declaration_review(
    *, declaration: Declaration, reviewer, level: str, approve: bool, hours=None, reason=""
) -> Declaration:
    """Record one decision; post the credit when it is the last approval.

    `level` is the reviewer's (credits.selectors.REVIEW_LEVEL_OF_ROLE): the unit, the
    HR bureau above a unit that cannot review the declaration itself, the authority.

    Steps: lock the declaration and check it waits for this level (LedgerError if
    not, e.g. a second click or a reviewer who was faster, or an HR bureau review of
    a declaration its unit can review); on approval check the hours against the
    kind's yearly cap; write the Review; move the status on; on the final approval
    post to the ledger with source_ref "declaration:<pk>", so a repeated approval can
    never credit twice.
    """
    # Lock the person first, then the declaration: approvals of two declarations of
    # one person queue here, so the yearly cap sees what the other one credited.
    User.objects.select_for_update().filter(pk=declaration.person_id).first()
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if reviewer is not None and reviewer.pk == declaration.person_id:
        raise LedgerError(_("Nobody may review their own declaration."))
    waiting = {
        Review.Level.UNIT: Declaration.Status.UNIT_REVIEW,
        Review.Level.HR_BUREAU: Declaration.Status.UNIT_REVIEW,
        Review.Level.AUTHORITY: Declaration.Status.AUTHORITY_REVIEW,
    }[level]
    if declaration.status != waiting:
        raise LedgerError(_("This declaration is no longer waiting for this review."))
    if level == Review.Level.HR_BUREAU and declaration.unit_can_review:
        raise LedgerError(_("This declaration is reviewed by its unit's HR administrator."))
    reason = (reason or "").strip()
    if approve:
        hours = clean_hours(hours)
        if level == Review.Level.AUTHORITY and hours > declaration.approved_hours:
            raise LedgerError(
                _(
                    "The authority may lower the hours the unit approved (%(hours)s), "
                    "not raise them."
                )
                % {"hours": format_hours(declaration.approved_hours)}
            )
        left = hours_left_under_cap(declaration)
        if left is not None and hours > left:
            raise LedgerError(
                _(
                    "Only %(left)s more hours of “%(kind)s” may be credited for %(year)s "
                    "(cap %(cap)s a year)."
                )
                % {
                    "left": format_hours(left),
                    "kind": declaration.kind.name,
                    "year": declaration.year,
                    "cap": format_hours(declaration.kind.cap_per_year),
                }
            )
    elif not reason:
        raise LedgerError(_("Please give the reason for the rejection."))

    Review.objects.create(
        declaration=declaration,
        level=level,
        decision=Review.Decision.APPROVE if approve else Review.Decision.REJECT,
        hours=hours if approve else None,
        reason=reason,
        reviewer=reviewer,
    )
    if not approve:
        declaration.status = Declaration.Status.REJECTED
        declaration.approved_hours = None
    elif level != Review.Level.AUTHORITY and declaration.needs_second_review:
        declaration.status = Declaration.Status.AUTHORITY_REVIEW
        declaration.approved_hours = hours
    else:
        declaration.credit, _created = credit_post(
            person=declaration.person,
            year=declaration.year,
            category=declaration.kind.category,
            hours=hours,
            source=Source.DECLARATION,
            source_ref=f"declaration:{declaration.pk}",
            description=declaration.kind.name,
            occurred_on=declaration.occurred_on,
            recorded_by=reviewer,
            # The unit may correct what the unit decided, not what the authority or
            # the HR bureau above it decided (nor may a sole HR officer her own credit).
            recorded_unit=declaration.unit if level == Review.Level.UNIT else None,
        )
        declaration.approved_hours = hours
        declaration.status = Declaration.Status.APPROVED
    declaration.save(update_fields=["status", "approved_hours", "credit"])
    audit_log(
        actor=reviewer,
        action="credits.declaration.approved" if approve else "credits.declaration.rejected",
        declaration=declaration.pk,
        level=level,
        hours=str(hours) if approve else None,
        reason=reason,
    )
    return declaration
