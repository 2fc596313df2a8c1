"""What the quality-course selection shows: the association's review queue, provincial
HR's shortlist, a base's nominations, a year's selected courses, a teacher's courses
with their nominations.

The association sees nominations and courses — title, hours, topic, the teacher's
name as the catalog prints it, the base, the experts' reviews — never anybody's hours
or ID number (issue 16, "Bad input"): its querysets load no User row but the
reviewers'."""

from django.db.models import Avg, Count, Prefetch, QuerySet

from credits.models import Category
from learning.catalog.models import Course
from learning.catalog.selectors import published_courses
from learning.quality.models import QualityNomination, QualityReview
from portal.models import Base

Status = QualityNomination.Status


def _with_reviews(nominations: QuerySet[QualityNomination]) -> QuerySet[QualityNomination]:
    """`nominations` with their course, topic and base, annotated `review_count` and
    `mean_score` (the mean of the experts' 0–100 scores; None without a review), their
    reviews prefetched with the reviewers' names (`reviews.all`)."""
    return (
        nominations.select_related("course", "course__topic", "base")
        .annotate(review_count=Count("reviews"), mean_score=Avg("reviews__score"))
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=QualityReview.objects.select_related("reviewer").only(
                    "nomination_id", "score", "comment", "reviewed_at", "reviewer__real_name"
                ),
            )
        )
        .order_by("course__title", "pk")
    )


def nominations_to_decide() -> QuerySet[QualityNomination]:
    """Every nomination: what an association reviewer may review, shortlist or decline
    and provincial HR may confirm (the services lock it again and check its state)."""
    return QualityNomination.objects.select_related("course")


def association_queue(year: int) -> dict[str, QuerySet[QualityNomination]]:
    """The association's page for `year`: {"pending": nominations waiting for reviews
    and the association's decision, "decided": those it shortlisted or declined and
    those provincial HR decided}, each with its reviews and mean score
    (_with_reviews)."""
    nominations = _with_reviews(QualityNomination.objects.filter(year=year))
    return {
        "pending": nominations.filter(status=Status.PENDING),
        "decided": nominations.exclude(status=Status.PENDING),
    }


def shortlist_to_confirm() -> QuerySet[QualityNomination]:
    """The association's shortlist, waiting for provincial HR's confirmation, with
    the reviews and mean scores (_with_reviews), oldest year first."""
    return _with_reviews(QualityNomination.objects.filter(status=Status.SHORTLISTED)).order_by(
        "year", "-mean_score", "course__title", "pk"
    )


def decided_by_province(limit: int = 50) -> QuerySet[QualityNomination]:
    """The latest nominations selected or declined, with their courses: the bottom
    of provincial HR's page."""
    return (
        QualityNomination.objects.filter(status__in=[Status.SELECTED, Status.DECLINED])
        .select_related("course", "base")
        .order_by("-decided_at", "-pk")[:limit]
    )


def selected_courses(year: int) -> QuerySet[QualityNomination]:
    """The nominations selected in `year`, with their courses (a public list)."""
    return QualityNomination.objects.filter(year=year, status=Status.SELECTED).select_related(
        "course"
    )


def courses_taught(user) -> QuerySet[Course]:
    """The published courses `user` teaches, with their nominations (what she may
    put forward)."""
    return Course.objects.filter(teacher=user, status=Course.Status.PUBLISHED).prefetch_related(
        "nominations"
    )


def active_bases() -> QuerySet[Base]:
    """The bases a teacher may name on her nomination: the active ones, by name."""
    return Base.objects.filter(status=Base.Status.ACTIVE).order_by("name")


def nominable_courses(year: int | None = None, q: str = "") -> QuerySet[Course]:
    """The catalog's courses a base may nominate for `year` (any year when None):
    published public subjects offered in it that have a teacher's account (the credit
    goes to it), not yet nominated for `year`, whose title contains `q` when given, by
    title. What the nomination then checks again (learning.quality.services.nominate)."""
    courses = published_courses(year).filter(category=Category.PUBLIC, teacher__isnull=False)
    if year is not None:
        courses = courses.exclude(nominations__year=year)
    if q:
        courses = courses.filter(title__icontains=q)
    return courses.order_by("title", "pk")


def base_nominations(base: Base) -> QuerySet[QualityNomination]:
    """The nominations that name `base` (its own, and its teachers' that named it),
    newest year first, with their courses."""
    return (
        QualityNomination.objects.filter(base=base)
        .select_related("course")
        .order_by("-year", "course__title", "pk")
    )
