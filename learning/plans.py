"""Professional-subject plans: drafted and published by an authority's department
admin, kept in versions, exported as Word and PDF."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import nh3
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import YearRule
from learning.models import PLAN_SECTIONS, PlanItem, PlanVersion, ProfessionalPlan
from portal import scoping
from portal.audit import audit_log
from portal.formats import format_hours
from portal.models import Role
from portal.pdf import render_pdf

# Plain formatting only: no scripts, links, styles or event attributes survive.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li"}
CJK_FONT = "Noto Sans CJK SC"


class PlanError(ValueError):
    """A refusal the user reads, in Chinese."""


def sanitize(text: str) -> str:
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes={})


def plain(text: str) -> str:
    """Sanitised HTML as lines of text (for Word)."""
    text = re.sub(r"<\s*(br|/p|/li)\s*/?>", "\n", text or "")
    return nh3.clean(text, tags=set()).strip()


def editable_plans(actor) -> QuerySet[ProfessionalPlan]:
    if getattr(actor, "role", None) != Role.DEPARTMENT_ADMIN:
        return ProfessionalPlan.objects.none()
    return ProfessionalPlan.objects.filter(authority__in=scoping.authorities_visible_to(actor))


def published_plans() -> QuerySet[ProfessionalPlan]:
    return (
        ProfessionalPlan.objects.filter(versions__isnull=False)
        .distinct()
        .select_related("authority")
    )


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
    return PlanView(
        plan=plan,
        title=plan.title,
        sections=[(label, getattr(plan, name)) for name, label in PLAN_SECTIONS],
        items=[ItemView(i.topic, i.hours, i.mode, i.course_id) for i in plan.items.all()],
        published_at=None,
        is_draft=True,
    )


def snapshot(plan: ProfessionalPlan) -> dict:
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


def plan_docx(plan: PlanView) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = CJK_FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), CJK_FONT)
    document.add_heading(plan.title, level=1)
    for index, (label, html) in enumerate(plan.sections):
        text = plain(html)
        if index == 1 or text:
            document.add_heading(str(label), level=2)
            for line in filter(None, text.splitlines()):
                document.add_paragraph(line)
        if index == 1:  # after 学习对象 comes the content table, as in attachment 1
            document.add_heading(_("Content of study"), level=2)
            table = document.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, text in zip(
                table.rows[0].cells, (_("Topic or course"), _("Hours"), _("Form")), strict=True
            ):
                cell.text = str(text)
            for item in plan.items:
                row = table.add_row().cells
                row[0].text, row[1].text, row[2].text = (
                    item.topic,
                    str(item.hours),
                    item.mode_label,
                )
            total = table.add_row().cells
            total[0].text, total[1].text = str(_("Total")), str(plan.total_hours)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plan_pdf(plan: PlanView) -> bytes:
    html = render_to_string(
        "learning/plan_pdf.html", {"plan": plan, "sections": plan.sections, "items": plan.items}
    )
    return render_pdf(html)
