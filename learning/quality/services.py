"""The yearly quality online public-course selection (the notice, section 二(三)):
a selected course counts as its teacher's teaching achievement, and the teacher is
credited twice the course hours as public-subject hours of that year — once."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import Category, Source
from credits.services import LedgerError, credit_post
from learning.catalog.models import Course
from learning.quality.models import QualityNomination
from portal.actions import Refused
from portal.audit import audit_log


class SelectionError(Refused):
    """A refusal the user reads, in Chinese."""


def nominate(*, course: Course, year: int, nominated_by) -> QualityNomination:
    """Put `course` forward for `year`'s selection (its teacher does). SelectionError
    for a course that is not a published public subject, has no teacher's account,
    is not offered in `year`, or was nominated for `year` already."""
    if course.category != Category.PUBLIC or course.status != Course.Status.PUBLISHED:
        raise SelectionError(_("Only published public-subject courses can be nominated."))
    if course.teacher_id is None:
        raise SelectionError(_("The course has no teacher's account to credit."))
    if not course.first_year <= year <= course.last_year:
        raise SelectionError(_("The course is not offered in %(year)s.") % {"year": year})
    try:
        with transaction.atomic():
            nomination = QualityNomination.objects.create(
                course=course, year=year, nominated_by=nominated_by
            )
            audit_log(
                actor=nominated_by, action="learning.quality.nominated", nomination=nomination.pk
            )
    except IntegrityError:
        raise SelectionError(_("The course has been nominated for this year already.")) from None
    return nomination


@transaction.atomic
def decide(*, nomination: QualityNomination, select: bool, reason: str, decided_by):
    """Select (and credit the teacher 2 × the hours, once) or decline with a reason.
    SelectionError for a nomination decided already, a decline without a reason, or
    hours the ledger refuses."""
    nomination = (
        QualityNomination.objects.select_for_update().select_related("course").get(pk=nomination.pk)
    )
    if nomination.status != QualityNomination.Status.PENDING:
        raise SelectionError(_("This nomination has been decided already."))
    if not select and not reason.strip():
        raise SelectionError(_("Please give the reason for declining."))
    course = nomination.course
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
    nomination.status = (
        QualityNomination.Status.SELECTED if select else QualityNomination.Status.DECLINED
    )
    nomination.reason = reason.strip()
    nomination.decided_by, nomination.decided_at = decided_by, timezone.now()
    nomination.save()
    audit_log(
        actor=decided_by,
        action="learning.quality.selected" if select else "learning.quality.declined",
        nomination=nomination.pk,
    )
    return nomination
