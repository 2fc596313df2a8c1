"""Filings with the provincial HR department (the notice, section 五(二)): each
authority's professional-subject plan and each city HR bureau's yearly notice, as Word
and PDF, by the year's deadline (default 30 April); the board; daily reminders."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning.models import Filing, FilingDeadline, FilingReminder, PlanVersion, ProfessionalPlan
from learning.plan_export import plan_docx, plan_pdf
from learning.plans import published_view
from portal.audit import audit_log
from portal.deadlines import Lateness, filing_lateness, local_day, status_label
from portal.models import Authority, City, Membership, Role
from portal.uploads import DOCX, PDF, check_file_content

MAX_BYTES = 20 * 1024 * 1024
logger = logging.getLogger(__name__)


class FilingError(ValueError):
    """A refusal the user reads, in Chinese."""


def deadline(year: int) -> datetime.date:
    row = FilingDeadline.objects.filter(year=year).first()
    return row.due_on if row else datetime.date(year, 4, 30)


def check_files(word, pdf) -> None:
    """Both files present, each at most 20 MB and opening as what it is (a .docx, a
    PDF with a page: portal/uploads.py); FilingError otherwise."""
    if not word or not pdf:
        raise FilingError(_("Both the Word and the PDF file are required."))
    try:
        check_file_content(word, kinds=[DOCX], max_bytes=MAX_BYTES)
        check_file_content(pdf, kinds=[PDF], max_bytes=MAX_BYTES)
    except ValidationError as error:
        raise FilingError(error.messages[0]) from None


FILING_YEARS_BACK = 5  # a plan of an earlier year can still be filed (late)


def filing_years(today: datetime.date | None = None) -> range:
    """The years one may file for: a few past years (a plan filed late), this year
    and the next."""
    today = today or timezone.localdate()
    return range(today.year - FILING_YEARS_BACK, today.year + 2)


def _filer(actor) -> dict:
    if actor.role == Role.DEPARTMENT_ADMIN:
        return {"kind": Filing.Kind.PLAN, "authority": actor.authority}
    if actor.role == Role.CITY_HR:
        return {"kind": Filing.Kind.NOTICE, "city": actor.city}
    raise FilingError(_("Only department admins and city HR bureaus file."))


def filing_submit(
    *, actor, year: int, word, pdf, plan_version: PlanVersion | None = None
) -> Filing:
    """File the Word and PDF for the actor's authority (its plan) or city (its notice)
    for `year` (any year of `filing_years`). Filing again for the same year adds the
    next version, dated; earlier versions stay. `plan_version`: the published plan
    version the files were made from, refused when the latest version filed already
    is that one (a second click). Raises FilingError on a bad file, a year out of
    range, an actor who does not file, or that repeat."""
    check_files(word, pdf)
    target = _filer(actor)
    if year not in filing_years():
        raise FilingError(_("Filing is not open for the year %(year)s.") % {"year": year})
    scope = {k: v for k, v in target.items() if k != "kind"}
    stem = f"filings/{year}/{target['kind']}-{(actor.authority_id or actor.city_id)}"
    try:
        with transaction.atomic():
            last = Filing.objects.filter(year=year, **scope).order_by("-version").first()
            if plan_version is not None and last and last.plan_version_id == plan_version.pk:
                raise FilingError(
                    _(
                        "Version %(number)s filed on %(date)s already is the plan as "
                        "published now; publish the changed plan before filing it again."
                    )
                    % {"number": last.version, "date": local_day(last.filed_at)}
                )
            version = last.version + 1 if last else 1
            filing = Filing(
                year=year,
                version=version,
                filed_at=timezone.now(),
                filed_by=actor.user,
                plan_version=plan_version,
                **target,
            )
            filing.word.save(
                f"{stem}-v{version}.docx",
                word,
                save=False,
            )
            filing.pdf.save(f"{stem}-v{version}.pdf", pdf, save=False)
            filing.save()
    except IntegrityError:  # another version was filed at the same moment
        raise FilingError(
            _("Another version was filed at the same moment; please check and file again.")
        ) from None
    audit_log(
        actor=actor.user,
        action="learning.filing.submitted",
        filing=filing.pk,
        year=year,
        version=version,
    )
    return filing


def filing_from_plan(*, actor, plan: ProfessionalPlan) -> Filing:
    """One click: the latest published version's own Word and PDF, filed for the
    plan's own year (a changed plan, published again, is filed as a new version).
    Raises FilingError for a plan never published, and when the latest version filed
    already is the plan as published now (a double click files it once)."""
    view = published_view(plan)
    if view is None:
        raise FilingError(_("Publish the plan before filing it."))
    published = plan.versions.order_by("-number").first()
    word = ContentFile(plan_docx(view), name=f"plan-{plan.year}.docx")
    pdf = ContentFile(plan_pdf(view), name=f"plan-{plan.year}.pdf")
    return filing_submit(actor=actor, year=plan.year, word=word, pdf=pdf, plan_version=published)


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
    target = _filer(actor)
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
    return [row for row in board(year) if row.filing is None]


def send_reminders(today: datetime.date | None = None) -> list[BoardRow]:
    """In April, once a day at most per filer: a reminder on the home page (the
    FilingReminder row) and an e-mail to the filer's people who have an address."""
    today = today or timezone.localdate()
    year = today.year
    reminded = []
    for row in filers_missing(year):
        try:
            with transaction.atomic():
                FilingReminder.objects.create(
                    year=year, authority=row.authority, city=row.city, sent_on=today
                )
        except IntegrityError:
            continue  # reminded today already
        scope = {"authority": row.authority} if row.authority else {"city": row.city}
        emails = list(
            Membership.objects.filter(**scope)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if emails:
            try:
                send_mail(
                    _("Continuing-education filing due %(date)s") % {"date": deadline(year)},
                    _(
                        "%(name)s has not yet filed its %(year)s filing with the provincial HR "
                        "department. The deadline is %(date)s."
                    )
                    % {"name": row.name, "year": year, "date": deadline(year)},
                    settings.DEFAULT_FROM_EMAIL,
                    emails,
                )
            except OSError:  # the home-page reminder stands; one bad mailbox stops nobody
                logger.exception("filing reminder e-mail to %s failed", row.name)
        reminded.append(row)
    return reminded


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
