"""Plans and filings, the writes: a plan saved and published (kept in versions),
filings with the provincial HR department (the notice, section 五(二)): each
authority's professional-subject plan and each city HR bureau's yearly notice, as Word
and PDF, by the year's deadline (default 30 April); the daily reminders."""

import datetime
import logging

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import YearRule
from learning.plans.models import (
    PLAN_SECTIONS,
    Filing,
    FilingReminder,
    PlanVersion,
    ProfessionalPlan,
)
from learning.plans.plan_export import plan_docx, plan_pdf
from learning.plans.selectors import (
    BoardRow,
    deadline,
    filer_of,
    filers_missing,
    filing_years,
    published_view,
)
from portal.actions import Refused
from portal.audit import audit_log
from portal.deadlines import local_day
from portal.formats import format_hours
from portal.models import Membership
from portal.uploads import DOCX, PDF, check_file_content

MAX_BYTES = 20 * 1024 * 1024
# Plain formatting only: no scripts, links, styles or event attributes survive.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li"}
logger = logging.getLogger(__name__)


class PlanError(Refused):
    """A refusal the user reads, in Chinese."""


class FilingError(Refused):
    """A refusal the user reads, in Chinese."""


def sanitize(text: str) -> str:
    """`text` (HTML typed into a plan's section) with only plain formatting left
    (ALLOWED_TAGS, no attributes)."""
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes={})


def snapshot(plan: ProfessionalPlan) -> dict:
    """What a published version keeps of `plan`: its title, sections and items (JSON)."""
    data = {name: getattr(plan, name) for name, _label in PLAN_SECTIONS}
    data["title"] = plan.title
    data["items"] = [
        {"topic": i.topic, "hours": str(i.hours), "mode": i.mode, "course": i.course_id}
        for i in plan.items.all()
    ]
    return data


@transaction.atomic
def plan_publish(*, plan: ProfessionalPlan, published_by) -> ProfessionalPlan:
    """Publish (or republish a revision); refused while the content totals less than
    the year's professional minimum."""
    plan = ProfessionalPlan.objects.select_for_update().get(pk=plan.pk)
    rule = YearRule.objects.filter(year=plan.year).first()
    if rule is None:
        raise PlanError(_("There is no rule for the year %(year)s.") % {"year": plan.year})
    total = plan.total_hours
    if total < rule.professional_min:
        raise PlanError(
            _(
                "The content totals %(total)s hours; the year's professional minimum is "
                "%(minimum)s, %(missing)s hours more are needed."
            )
            % {
                "total": format_hours(total),
                "minimum": format_hours(rule.professional_min),
                "missing": format_hours(rule.professional_min - total),
            }
        )
    now = timezone.now()
    plan.status, plan.published_at = ProfessionalPlan.Status.PUBLISHED, now
    plan.save(update_fields=["status", "published_at"])
    number = plan.versions.count() + 1
    PlanVersion.objects.create(plan=plan, number=number, published_at=now, snapshot=snapshot(plan))
    audit_log(actor=published_by, action="learning.plan.published", plan=plan.pk, version=number)
    return plan


@transaction.atomic
def plan_save(*, actor, form, rows) -> ProfessionalPlan:
    """Save a plan's draft (a valid PlanForm) with its items (`rows`, a valid PlanItemFormSet
    of the same plan), both or neither. `actor`: the user who edits it."""
    plan = rows.save_with(form)
    audit_log(actor=actor, action="learning.plan.saved", plan=plan.pk)
    return plan


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


def _filer(actor) -> dict:
    target = filer_of(actor)
    if target is None:
        raise FilingError(_("Only department admins and city HR bureaus file."))
    return target


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
