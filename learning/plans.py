"""Professional-subject plans: drafted and published by an authority's department
admin, kept in versions (exported as Word and PDF by learning.plan_export)."""

import re
from dataclasses import dataclass
from decimal import Decimal

import nh3
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import YearRule
from learning.models import PLAN_SECTIONS, PlanItem, PlanVersion, ProfessionalPlan
from portal import scoping
from portal.audit import audit_log
from portal.formats import format_hours
from portal.models import Role

# Plain formatting only: no scripts, links, styles or event attributes survive.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li"}


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
