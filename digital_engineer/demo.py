"""Demo programme data (called by `manage.py seed_demo`): the demo institution is in
provincial HR's catalogue and approved for every direction at junior and intermediate
level, so that its staff can open a class at once."""

from digital_engineer.models import Approval, Direction, InstitutionState, Level
from portal.models import Membership, Role


def seed() -> None:
    membership = (
        Membership.objects.filter(role=Role.INSTITUTION_STAFF, user__phone="13800000006")
        .select_related("institution")
        .first()
    )
    if membership is None:
        return
    institution = membership.institution
    InstitutionState.objects.get_or_create(
        institution=institution,
        defaults={"status": InstitutionState.Status.LISTED, "contact": "王老师 0531-88880000"},
    )
    for direction in Direction.values:
        for level in (Level.JUNIOR, Level.INTERMEDIATE):
            Approval.objects.get_or_create(
                institution=institution, direction=direction, level=level
            )
