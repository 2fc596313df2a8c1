"""What the quality-course selection shows: the review queue, a year's selected
courses, a teacher's courses with their nominations."""

from django.db.models import QuerySet

from learning.catalog.models import Course
from learning.quality.models import QualityNomination


def nominations_to_review() -> QuerySet[QualityNomination]:
    """Every nomination with its course and teacher (provincial HR reviews them all)."""
    return QualityNomination.objects.select_related("course", "course__teacher")


def selected_courses(year: int) -> QuerySet[QualityNomination]:
    """The nominations selected in `year`, with their courses (a public list)."""
    return QualityNomination.objects.filter(
        year=year, status=QualityNomination.Status.SELECTED
    ).select_related("course")


def courses_taught(user) -> QuerySet[Course]:
    """The published courses `user` teaches, with their nominations (what she may
    put forward)."""
    return Course.objects.filter(teacher=user, status=Course.Status.PUBLISHED).prefetch_related(
        "nominations"
    )
