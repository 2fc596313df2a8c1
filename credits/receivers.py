from django.dispatch import receiver

from credits.declarations import needs_second_review
from credits.models import Declaration
from portal.audit import audit_log
from portal.transfers import transfer_completed


@receiver(transfer_completed)
def hand_over_open_declarations(sender, transfer, **kwargs):
    """Declarations the former unit has not reviewed go to the person's new unit."""
    moved = Declaration.objects.filter(
        person=transfer.person_id,
        unit=transfer.from_unit_id,
        status=Declaration.Status.UNIT_REVIEW,
    ).update(unit=transfer.to_unit, needs_second_review=needs_second_review(transfer.to_unit))
    if moved:
        audit_log(
            actor=None,
            action="credits.declarations.handed_over",
            transfer=transfer.pk,
            count=moved,
        )
