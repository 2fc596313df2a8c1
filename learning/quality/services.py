"""The yearly quality online public-course selection (the notice, section 二(三)):
a selected course counts as its teacher's teaching achievement, and the teacher is
credited twice the course hours as public-subject hours of that year — once.

The workflow (RULES.md "Quality online public courses": the notice entrusts the
selection to 山东省继续工程教育协会, provincial HR confirms):

    nominate (the teacher, or her base)            → PENDING
    review   (each association expert, 0–100)      while PENDING
    shortlist (the association, ≥ 1 review)        PENDING → SHORTLISTED
    decline  (the association, with a reason)      PENDING → DECLINED
    decide   (provincial HR: confirm or send back) SHORTLISTED → SELECTED (credit) / DECLINED
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import Category, Source
from credits.services import LedgerError, credit_post
from learning.catalog.models import Course
from learning.quality.models import QualityNomination, QualityReview
from portal.actions import Refused
from portal.audit import audit_log
from portal.models import Base

Status = QualityNomination.Status


class SelectionError(Refused):
    """A refusal the user reads, in Chinese."""


def nominate(
    *, course: Course, year: int, nominated_by, base: Base | None = None
) -> QualityNomination:
    """Put `course` forward for `year`'s selection: its teacher does (naming her base
    or none), or a base's staff do (`base` = their base). Returns the new PENDING
    nomination. SelectionError for a course that is not a published public subject,
    has no teacher's account (the credit goes to it), is not offered in `year`, or was
    nominated for `year` already (once per course and year), and for a base that is
    not active."""
    if course.category != Category.PUBLIC or course.status != Course.Status.PUBLISHED:
        raise SelectionError(_("Only published public-subject courses can be nominated."))
    if course.teacher_id is None:
        raise SelectionError(_("The course has no teacher's account to credit."))
    if not course.first_year <= year <= course.last_year:
        raise SelectionError(_("The course is not offered in %(year)s.") % {"year": year})
    if base is not None and base.status != Base.Status.ACTIVE:
        raise SelectionError(_("Only an active base can nominate a course."))
    try:
        with transaction.atomic():
            nomination = QualityNomination.objects.create(
                course=course, year=year, nominated_by=nominated_by, base=base
            )
            audit_log(
                actor=nominated_by,
                action="learning.quality.nominated",
                nomination=nomination.pk,
                base=base.pk if base else None,
            )
    except IntegrityError:
        raise SelectionError(_("The course has been nominated for this year already.")) from None
    return nomination


def _locked(nomination: QualityNomination) -> QualityNomination:
    return (
        QualityNomination.objects.select_for_update().select_related("course").get(pk=nomination.pk)
    )


@transaction.atomic
def review(*, nomination: QualityNomination, reviewer, score: int, comment: str) -> QualityReview:
    """An association expert's score (0–100) and comment on a nomination: one review
    per expert and nomination, which she may change until the association decides
    (while it is PENDING). Returns the review. SelectionError for a decided
    nomination, a score outside 0–100 or an empty comment."""
    nomination = _locked(nomination)
    if nomination.status != Status.PENDING:
        raise SelectionError(_("The association has decided on this nomination already."))
    if not 0 <= score <= 100:
        raise SelectionError(_("The score is from 0 to 100."))
    if not comment.strip():
        raise SelectionError(_("Please write a comment with your score."))
    found, created = QualityReview.objects.update_or_create(
        nomination=nomination,
        reviewer=reviewer,
        defaults={"score": score, "comment": comment.strip()},
    )
    audit_log(
        actor=reviewer,
        action="learning.quality.reviewed",
        nomination=nomination.pk,
        score=score,
        changed=not created,
    )
    return found


@transaction.atomic
def shortlist(*, nomination: QualityNomination, shortlisted_by) -> QualityNomination:
    """The association puts a reviewed nomination on the shortlist it sends provincial
    HR (PENDING → SHORTLISTED). SelectionError for a nomination decided already or
    one no expert has reviewed."""
    nomination = _locked(nomination)
    if nomination.status != Status.PENDING:
        raise SelectionError(_("The association has decided on this nomination already."))
    if not nomination.reviews.exists():
        raise SelectionError(_("An expert must review the course before it is shortlisted."))
    nomination.status = Status.SHORTLISTED
    nomination.shortlisted_by, nomination.shortlisted_at = shortlisted_by, timezone.now()
    nomination.save()
    audit_log(actor=shortlisted_by, action="learning.quality.shortlisted", nomination=nomination.pk)
    return nomination


@transaction.atomic
def decline(*, nomination: QualityNomination, reason: str, declined_by) -> QualityNomination:
    """The association declines a pending nomination, with a reason (PENDING →
    DECLINED). SelectionError for a nomination decided already or a decline without
    a reason."""
    nomination = _locked(nomination)
    if nomination.status != Status.PENDING:
        raise SelectionError(_("The association has decided on this nomination already."))
    if not reason.strip():
        raise SelectionError(_("Please give the reason for declining."))
    nomination.status = Status.DECLINED
    nomination.reason = reason.strip()
    nomination.decided_by, nomination.decided_at = declined_by, timezone.now()
    nomination.save()
    audit_log(
        actor=declined_by,
        action="learning.quality.declined",
        nomination=nomination.pk,
        stage="association",
    )
    return nomination


@transaction.atomic
def decide(*, nomination: QualityNomination, select: bool, reason: str, decided_by):
    """Provincial HR confirms a shortlisted nomination — SELECTED, and its teacher is
    credited 2 × the course hours (public subject, the nomination's year; source
    QUALITY_COURSE, once: credit_post is idempotent by the nomination) — or sends it
    back declined with a reason. SelectionError for a nomination that is not on the
    shortlist (pending: the association has not shortlisted it; decided already), a
    decline without a reason, or hours the ledger refuses."""
    nomination = _locked(nomination)
    if nomination.status == Status.PENDING:
        raise SelectionError(_("Only a nomination the association has shortlisted can be decided."))
    if nomination.status != Status.SHORTLISTED:
        raise SelectionError(_("This nomination has been decided already."))
    if not select and not reason.strip():
        raise SelectionError(_("Please give the reason for declining."))
    course = nomination.course
    if select and course.teacher_id is None:
        raise SelectionError(_("The course has no teacher's account to credit."))
    if select:
        try:
            nomination.credit, _created = credit_post(
                person=course.teacher,
                year=nomination.year,
                category=Category.PUBLIC,
                hours=course.hours * 2,
                source=Source.QUALITY_COURSE,
                source_ref=f"quality:{nomination.pk}",
                description=course.title[:200],
                recorded_by=decided_by,
            )
        except LedgerError as error:
            raise SelectionError(str(error)) from None
    nomination.status = Status.SELECTED if select else Status.DECLINED
    nomination.reason = reason.strip()
    nomination.decided_by, nomination.decided_at = decided_by, timezone.now()
    nomination.save()
    audit_log(
        actor=decided_by,
        action="learning.quality.selected" if select else "learning.quality.declined",
        nomination=nomination.pk,
        stage="confirmation",
    )
    return nomination
