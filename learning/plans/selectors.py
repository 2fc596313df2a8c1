"""What plans and filings show: the plans an admin edits, the published ones, a plan
as published or as drafted; the filing deadline and years, a filer's own filing and
its status, the provincial board, who may open which filing."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.selectors import default_year
from learning.plans.models import (
    PLAN_SECTIONS,
    Filing,
    FilingDeadline,
    FilingReminder,
    PlanItem,
    PlanVersion,
    ProfessionalPlan,
)
from portal import scoping
from portal.deadlines import Lateness, filing_lateness, status_label
from portal.models import Authority, City, Role


def editable_plans(actor) -> QuerySet[ProfessionalPlan]:
    """The plans `actor` (a membership) edits: a department admin her authority's;
    none for any other role."""
    if getattr(actor, "role", None) != Role.DEPARTMENT_ADMIN:
        return ProfessionalPlan.objects.none()
    return ProfessionalPlan.objects.filter(authority__in=scoping.authorities_visible_to(actor))


def published_plans() -> QuerySet[ProfessionalPlan]:
    """Plans published at least once, with their authority (public)."""
    return (
        ProfessionalPlan.objects.filter(versions__isnull=False)
        .distinct()
        .select_related("authority")
    )


def front_plans() -> dict:
    """The front page's professional-subject plans (portal.front): {"year":
    credits' default_year, "plans": that year's published plans by authority name,
    each with `published_title`, the title of its latest published version (never
    the working draft's)}. Two queries."""
    year = default_year()
    latest = PlanVersion.objects.filter(plan=OuterRef("pk")).order_by("-number")
    plans = (
        published_plans()
        .filter(year=year)
        .annotate(published_title=Subquery(latest.values("snapshot__title")[:1]))
        .order_by("authority__name")
    )
    return {"year": year, "plans": list(plans)}


@dataclass
class ItemView:
    topic: str
    hours: Decimal
    mode: str
    course_id: int | None

    @property
    def mode_label(self) -> str:
        return str(PlanItem.Mode(self.mode).label)


@dataclass
class PlanView:
    """What a plan says: the latest published version for the public, filings and
    exports; the working draft for its editors. Edits never go live unpublished."""

    plan: ProfessionalPlan
    title: str
    sections: list[tuple[str, str]]
    items: list[ItemView]
    published_at: object
    is_draft: bool

    @property
    def total_hours(self) -> Decimal:
        return sum((item.hours for item in self.items), start=Decimal(0))

    @property
    def authority(self):
        return self.plan.authority

    @property
    def year(self) -> int:
        return self.plan.year


def published_view(plan: ProfessionalPlan) -> PlanView | None:
    """`plan` as its latest published version says it; None if never published."""
    version = plan.versions.order_by("-number").first()
    if version is None:
        return None
    data = version.snapshot
    return PlanView(
        plan=plan,
        title=data["title"],
        sections=[(label, data.get(name, "")) for name, label in PLAN_SECTIONS],
        items=[
            ItemView(i["topic"], Decimal(i["hours"]), i["mode"], i.get("course"))
            for i in data["items"]
        ],
        published_at=version.published_at,
        is_draft=False,
    )


def draft_view(plan: ProfessionalPlan) -> PlanView:
    """`plan`'s working draft (for its editors only)."""
    return PlanView(
        plan=plan,
        title=plan.title,
        sections=[(label, getattr(plan, name)) for name, label in PLAN_SECTIONS],
        items=[ItemView(i.topic, i.hours, i.mode, i.course_id) for i in plan.items.all()],
        published_at=None,
        is_draft=True,
    )


def deadline(year: int) -> datetime.date:
    """The filing deadline of `year`: as entered (FilingDeadline), else 30 April."""
    row = FilingDeadline.objects.filter(year=year).first()
    return row.due_on if row else datetime.date(year, 4, 30)


FILING_YEARS_BACK = 5  # a plan of an earlier year can still be filed (late)


def filing_years(today: datetime.date | None = None) -> range:
    """The years one may file for: a few past years (a plan filed late), this year
    and the next."""
    today = today or timezone.localdate()
    return range(today.year - FILING_YEARS_BACK, today.year + 2)


def filer_of(actor) -> dict | None:
    """What `actor` (a membership) files and for whom: {"kind": plan, "authority": …}
    for a department admin, {"kind": notice, "city": …} for a city HR bureau; None
    for any other role (who files nothing)."""
    match getattr(actor, "role", None):
        case Role.DEPARTMENT_ADMIN:
            return {"kind": Filing.Kind.PLAN, "authority": actor.authority}
        case Role.CITY_HR:
            return {"kind": Filing.Kind.NOTICE, "city": actor.city}
    return None


def filer_scope(actor) -> dict:
    """The filter of `actor`'s own filings and reminders: her authority's, else her
    city's."""
    return {"authority": actor.authority} if actor.authority_id else {"city": actor.city}


def reminder_shown(actor, today: datetime.date) -> bool:
    """Whether the home page shows `actor` the filing banner: reminded today, and her
    filing of this year still missing."""
    scope = filer_scope(actor)
    reminded = FilingReminder.objects.filter(sent_on=today, **scope).exists()
    return reminded and not Filing.objects.filter(year=today.year, **scope).exists()


def filings_visible_to(actor) -> QuerySet[Filing]:
    """The filings whose files `actor` (a membership) may open: all for provincial HR;
    her authority's or her city's own for a filer; none otherwise."""
    if getattr(actor, "role", None) == Role.PROVINCE_HR:
        return Filing.objects.all()
    own = [
        Q(**{field: value})
        for field, value in (("authority_id", actor.authority_id), ("city_id", actor.city_id))
        if value
    ]
    if not own:
        return Filing.objects.none()
    condition = own[0]
    for other in own[1:]:
        condition |= other
    return Filing.objects.filter(condition)


STATUS_LABELS = {
    "not_started": gettext_lazy("not started"),
    "draft": gettext_lazy("draft"),
    "on_time": gettext_lazy("submitted"),
    "late": gettext_lazy("submitted"),
    "missing": gettext_lazy("missing"),
}


@dataclass(frozen=True)
class FilingStatus:
    """A year's filing of one filer as every page shows it (the filer's own page, the
    provincial board, the export). The year's duty is met by the first version: its
    date decides on time or late, and a later version does not undo a late one."""

    code: str  # not_started / draft / on_time / late / missing
    lateness: Lateness

    @property
    def alert(self) -> bool:
        """Shown red: filed late, or still missing after the due date."""
        return self.code in ("late", "missing")

    @property
    def label(self) -> str:
        """已报送 / 已报送（逾期报送N天） / 未报送（已逾期N天） / 草稿 / 未开始, composed
        as roster filings are (`portal.deadlines.status_label`)."""
        return status_label(STATUS_LABELS[self.code], self.lateness)


def filing_status(
    *, year: int, first: Filing | None, has_draft: bool, today: datetime.date
) -> FilingStatus:
    """The one status function of plan and notice filings: `first` is the filer's
    first version for `year` (None if nothing was filed), `has_draft` whether a plan
    is being written. Due by `deadline(year)`."""
    lateness = filing_lateness(
        due_on=deadline(year), first_done_at=first.filed_at if first else None, today=today
    )
    if first is not None:
        code = "late" if lateness.late else "on_time"
    elif lateness.overdue:
        code = "missing"
    else:
        code = "draft" if has_draft else "not_started"
    return FilingStatus(code, lateness)


@dataclass(frozen=True)
class VersionRow:
    """One filed version in the filer's history. The first version carries the year's
    status (it decides lateness); a later one is a revision, never late by itself."""

    filing: Filing
    status: FilingStatus | None  # on the first version only

    @property
    def late(self) -> bool:
        return self.status is not None and self.status.alert

    @property
    def label(self) -> str:
        return self.status.label if self.status is not None else str(_("revised version"))


@dataclass
class FilerView:
    """A filer's own filing of a year: its status and every version, newest first."""

    year: int
    due: datetime.date
    status: FilingStatus
    versions: list[VersionRow]

    @property
    def latest(self) -> Filing | None:
        return self.versions[0].filing if self.versions else None


def filer_view(*, actor, year: int, today: datetime.date | None = None) -> FilerView:
    """What the department admin or city HR bureau sees of its own filing for `year`."""
    today = today or timezone.localdate()
    target = filer_of(actor)
    if target is None:
        raise PermissionDenied
    scope = {k: v for k, v in target.items() if k != "kind"}
    versions = list(
        Filing.objects.filter(year=year, **scope).select_related("filed_by").order_by("-version")
    )
    has_draft = bool(
        target.get("authority")
        and ProfessionalPlan.objects.filter(year=year, authority=target["authority"]).exists()
    )
    due = deadline(year)
    status = filing_status(
        year=year, first=versions[-1] if versions else None, has_draft=has_draft, today=today
    )
    rows = [VersionRow(f, status if f.version == versions[-1].version else None) for f in versions]
    return FilerView(year, due, status, rows)


@dataclass
class BoardRow:
    """One filer on the provincial board: the status, decided by the first version
    (`first`, whose date is shown beside it), and the latest version apart."""

    kind: str
    name: str
    authority: Authority | None
    city: City | None
    state: FilingStatus
    filing: Filing | None  # the latest version
    versions: int = 0
    first: Filing | None = None  # the version that decided the status

    @property
    def status(self) -> str:
        return self.state.code

    @property
    def overdue(self) -> bool:
        return self.state.alert


def board(year: int, today: datetime.date | None = None) -> list[BoardRow]:
    """Every authority and every city with the status of its filing on `today`, the
    latest version and how many versions there are."""
    today = today or timezone.localdate()
    firsts, latests, counts = {}, {}, {}
    for filing in Filing.objects.filter(year=year).order_by("version"):
        key = ("a", filing.authority_id) if filing.authority_id else ("c", filing.city_id)
        firsts.setdefault(key, filing)
        latests[key] = filing
        counts[key] = counts.get(key, 0) + 1
    drafts = set(ProfessionalPlan.objects.filter(year=year).values_list("authority_id", flat=True))

    def row(kind, name, authority, city, key, has_draft):
        state = filing_status(year=year, first=firsts.get(key), has_draft=has_draft, today=today)
        return BoardRow(
            kind,
            name,
            authority,
            city,
            state,
            latests.get(key),
            counts.get(key, 0),
            firsts.get(key),
        )

    rows = [
        row(Filing.Kind.PLAN, a.name, a, None, ("a", a.pk), a.pk in drafts)
        for a in Authority.objects.all()
    ]
    rows += [
        row(Filing.Kind.NOTICE, c.name, None, c, ("c", c.pk), False)
        for c in City.objects.filter(is_province_direct=False)
    ]
    return rows


def filers_missing(year: int) -> list[BoardRow]:
    """The board's rows of the filers that have filed nothing for `year`."""
    return [row for row in board(year) if row.filing is None]


BOARD_XLSX_HEADERS = ["报送单位", "类型", "状态", "报送时间", "最新版本", "最新版本报送时间"]


def board_xlsx_rows(rows: list[BoardRow]):
    """The board as the export has it (BOARD_XLSX_HEADERS): the status with the date of
    the version that decided it, then the latest version's number and date."""

    def moment(filing: Filing | None):
        return timezone.localtime(filing.filed_at).replace(tzinfo=None) if filing else None

    for row in rows:
        yield [
            row.name,
            str(Filing.Kind(row.kind).label),
            row.state.label,
            moment(row.first),
            row.filing.version if row.filing else None,
            moment(row.filing),
        ]
