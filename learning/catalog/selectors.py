"""What the catalog shows and who may edit what: published courses, the year's topics,
the gap planner's suggestions, the courses an editor may edit, a learner's courses."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from credits.models import Category
from learning.catalog.models import Course, Enrolment, Topic
from learning.quality.models import QualityNomination
from portal import scoping
from portal.models import Role


def published_courses(year: int | None = None) -> QuerySet[Course]:
    """Courses open for study (published), offered in `year` when one is given, with
    their topic and authority: what everybody may see and enrol in."""
    courses = Course.objects.filter(status=Course.Status.PUBLISHED)
    if year:
        courses = courses.filter(first_year__lte=year, last_year__gte=year)
    return courses.select_related("topic", "authority")


def topic_groups(year: int) -> list[tuple[str, list[Topic]]]:
    """The public-subject topics of `year`, apart: [("必修专题", [...]), ("选学方向", [...])].

    A year whose topics are not yet entered uses the latest earlier year's; a group
    with no topic is left out."""
    latest = Topic.objects.filter(year__lte=year).order_by("-year").values("year")[:1]
    topics = list(Topic.objects.filter(year__in=latest).order_by("order", "name"))
    return [
        (str(kind.label), [t for t in topics if t.kind == kind])
        for kind in (Topic.Kind.REQUIRED, Topic.Kind.OPTIONAL)
        if any(t.kind == kind for t in topics)
    ]


def front_topics() -> dict:
    """The front page's public-subject topics (portal.front): {"groups": topic_groups
    of this year (or of the latest earlier year with topics), "year": the year they
    are of, or None when there is none}. One query."""
    groups = topic_groups(timezone.localdate().year)
    year = groups[0][1][0].year if groups else None
    return {"groups": groups, "year": year}


@dataclass(frozen=True)
class CourseGroup:
    label: str  # "" where the category has no topics to tell apart
    courses: list[Course]


@dataclass(frozen=True)
class GapPlan:
    """Courses that close one category's gap, grouped for display."""

    label: str
    gap: Decimal
    groups: list[CourseGroup]

    @property
    def courses(self) -> list[Course]:
        return [course for group in self.groups for course in group.courses]


def _largest_first(candidates, total: Decimal, gap: Decimal) -> tuple[list[Course], Decimal]:
    # The largest first is optimal for "fewest courses whose hours reach the gap".
    chosen = []
    for course in candidates.order_by("-hours", "title")[:50]:
        if total >= gap:
            break
        chosen.append(course)
        total += course.hours
    return chosen, total


def _public_plan(person, year: int, gap: Decimal, candidates) -> list[CourseGroup]:
    """Public subjects: first one course for each required special topic (专题) the
    person has not yet completed a course of this year, then the optional directions
    (and courses without a topic); the two are listed apart."""
    required_kind = Topic.Kind.REQUIRED
    covered = set(
        Enrolment.objects.filter(
            person=person, completed_at__year=year, course__topic__kind=required_kind
        ).values_list("course__topic__name", flat=True)
    )
    required_topics = dict(topic_groups(year)).get(str(required_kind.label), [])
    required, total = [], Decimal(0)
    for topic in required_topics:
        if total >= gap:
            break
        if topic.name in covered:
            continue
        course = (
            candidates.filter(topic__kind=required_kind, topic__name=topic.name)
            .order_by("-hours", "title")
            .first()
        )
        if course is not None:
            required.append(course)
            total += course.hours
    chosen_ids = [c.pk for c in required]
    optional, total = _largest_first(candidates.exclude(topic__kind=required_kind), total, gap)
    if total < gap:  # only required-topic courses are left to close the gap
        more, total = _largest_first(
            candidates.filter(topic__kind=required_kind).exclude(pk__in=chosen_ids), total, gap
        )
        required += more
    return [
        CourseGroup(str(Topic.Kind.REQUIRED.label), required),
        CourseGroup(str(Topic.Kind.OPTIONAL.label), optional),
    ]


def suggest_courses(person, year: int) -> list[GapPlan]:
    """For each category short in `year`, the courses that close its gap with as few
    as possible; public subjects put the required special topics first, apart from
    the optional directions (the notice, section 二(一))."""
    from credits.selectors import year_status

    status = year_status(person, year)
    done = Enrolment.objects.filter(person=person, completed_at__isnull=False).values("course")
    plans = []
    for category, gap in (
        (Category.PUBLIC, status.public_gap),
        (Category.PROFESSIONAL, status.professional_gap),
    ):
        if not gap:
            continue
        candidates = published_courses(year).filter(category=category).exclude(pk__in=done)
        if category == Category.PUBLIC:
            groups = _public_plan(person, year, gap, candidates)
        else:
            groups = [CourseGroup("", _largest_first(candidates, Decimal(0), gap)[0])]
        plans.append(GapPlan(str(Category(category).label), gap, groups))
    return plans


def catalog_courses(
    year: int, *, category: str = "", topic: int | None = None, channel: str = "", q: str = ""
) -> QuerySet[Course]:
    """The catalog's list: published courses of `year`, each annotated `is_quality`
    (selected as a quality course in some year), narrowed by the filters that are set
    (a category, a topic id, a channel, a phrase in the title or summary)."""
    courses = published_courses(year).annotate(
        is_quality=Exists(
            QualityNomination.objects.filter(
                course=OuterRef("pk"), status=QualityNomination.Status.SELECTED
            )
        )
    )
    if category:
        courses = courses.filter(category=category)
    if topic:
        courses = courses.filter(topic=topic)
    if channel:
        courses = courses.filter(channel=channel)
    if q:
        # icontains rather than PostgreSQL's text search: its parsers do not split
        # Chinese into words, so a phrase inside a title would not be found.
        courses = courses.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return courses


def enrolments_of(person) -> QuerySet[Enrolment]:
    """`person`'s enrolments, unfinished first, each annotated with `lesson_count` and
    `done_count` (lessons done)."""
    return (
        Enrolment.objects.filter(person=person)
        .select_related("course")
        .annotate(
            lesson_count=Count("course__lessons", distinct=True),
            done_count=Count("progress", filter=Q(progress__done_at__isnull=False), distinct=True),
        )
        .order_by("completed_at", "-enrolled_at")
    )


def editable_courses(actor) -> QuerySet[Course]:
    """Courses the actor (a membership) edits: provincial HR the public subjects, a
    department admin her authority's professional courses (the scoping layer names
    the authority); none for any other role."""
    courses = Course.objects.select_related("topic", "authority")
    match getattr(actor, "role", None):
        case Role.PROVINCE_HR:
            return courses.filter(category=Category.PUBLIC)
        case Role.DEPARTMENT_ADMIN:
            return courses.filter(
                category=Category.PROFESSIONAL, authority__in=scoping.authorities_visible_to(actor)
            )
    return courses.none()


def new_course_for(actor) -> Course:
    """A new, unsaved course as the actor's role decides it (not the form): a public
    subject for provincial HR, her authority's professional course for a department
    admin."""
    if getattr(actor, "role", None) == Role.PROVINCE_HR:
        return Course(category=Category.PUBLIC)
    return Course(category=Category.PROFESSIONAL, authority=actor.authority)
