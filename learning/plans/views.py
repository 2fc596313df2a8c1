from functools import partial

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.catalog.selectors import published_courses
from learning.plans.forms import PlanForm, PlanItemFormSet
from learning.plans.models import ProfessionalPlan
from learning.plans.plan_export import plan_docx, plan_pdf
from learning.plans.selectors import (
    BOARD_XLSX_HEADERS,
    board,
    board_xlsx_rows,
    deadline,
    draft_view,
    editable_plans,
    filer_view,
    filing_years,
    filings_visible_to,
    published_plans,
    published_view,
    reminder_shown,
)
from learning.plans.services import filing_from_plan, filing_submit, plan_publish, plan_save
from portal.actions import post_action, rows_action
from portal.downloads import download_response
from portal.http import pk_or_none
from portal.models import Role
from portal.roles import public, role_required
from portal.xlsx import xlsx_response

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILERS = (Role.DEPARTMENT_ADMIN, Role.CITY_HR)


def _asked_year(value, default: int) -> int:
    """A four-digit year from the query or form (ASCII digits only), else `default`."""
    year = pk_or_none(value)
    return year if year is not None and 1000 <= year <= 9999 else default


@public
def plan_list(request):
    year = _asked_year(request.GET.get("year"), default_year())
    plans = published_plans().filter(year=year)
    return render(request, "learning/plans.html", {"plans": plans, "year": year})


def _readable_plan(request, pk):
    """The published version for everybody; the authority's own admins may ask for
    the working draft (?draft=1), which is also what they see before publishing."""
    plan = get_object_or_404(ProfessionalPlan.objects.select_related("authority"), pk=pk)
    editor = editable_plans(getattr(request, "membership", None)).filter(pk=pk).exists()
    published = published_view(plan)
    if editor and (request.GET.get("draft") or published is None):
        return draft_view(plan), editor
    if published is None:
        raise Http404
    return published, editor


@public
def plan_detail(request, pk):
    view, editor = _readable_plan(request, pk)
    context = {"plan": view, "sections": view.sections, "items": view.items, "editor": editor}
    return render(request, "learning/plan.html", context)


@public
def plan_download(request, pk, kind):
    plan, _editor = _readable_plan(request, pk)
    if kind == "docx":
        content, content_type = plan_docx(plan), DOCX_TYPE
    elif kind == "pdf":
        content, content_type = plan_pdf(plan), "application/pdf"
    else:
        raise Http404
    return download_response(
        content,
        filename=f"{plan.title}.{kind}",
        fallback=f"plan-{plan.year}-{plan.plan.pk}.{kind}",
        content_type=content_type,
    )


@role_required(Role.DEPARTMENT_ADMIN)
def plan_manage(request):
    plans = editable_plans(request.membership)
    return render(request, "learning/plan_manage.html", {"plans": plans})


def _edited(plan):
    return ("learning:plan_edit", plan.pk)


@role_required(Role.DEPARTMENT_ADMIN)
def plan_edit(request, pk=None):
    actor = request.membership
    plan = (
        get_object_or_404(editable_plans(actor), pk=pk)
        if pk
        else ProfessionalPlan(authority=actor.authority)
    )
    form = PlanForm(request.POST or None, instance=plan)
    if plan.pk and plan.versions.exists():
        form.fields["year"].disabled = True  # a published plan stays in its year
    items = PlanItemFormSet(request.POST or None, instance=plan)
    courses = published_courses().filter(authority=actor.authority)
    for item_form in items.forms:
        item_form.fields["course"].queryset = courses
    save, saved = partial(plan_save, actor=request.user), _("The plan has been saved.")
    if response := rows_action(request, form, items, save, success=saved, redirect_to=_edited):
        return response
    context = {"plan": plan, "form": form, "items": items}
    return render(request, "learning/plan_edit.html", context)


@require_POST
@role_required(Role.DEPARTMENT_ADMIN)
def plan_publish_view(request, pk):
    plan = get_object_or_404(editable_plans(request.membership), pk=pk)
    return post_action(
        request,
        lambda: plan_publish(plan=plan, published_by=request.user),
        success=_("The plan is published."),
        redirect_to=lambda published: (
            ("learning:plan", pk) if published else ("learning:plan_edit", pk)
        ),
    )


@role_required(Role.PROFESSIONAL)
def my_plan(request):
    """The plan of the professional's unit's authority for this year (a home fragment)."""
    profile = getattr(request.user, "profile", None)
    view = None
    if profile and profile.unit.authority_id:
        plan = (
            published_plans()
            .filter(authority_id=profile.unit.authority_id, year=default_year())
            .first()
        )
        view = published_view(plan) if plan else None
    items = view.items if view else []
    return render(request, "learning/_my_plan.html", {"plan": view, "items": items})


# -- filings --------------------------------------------------------------------------


@role_required(*FILERS)
def filing_page(request):
    """The filer's filing for a year (the asked one, this year by default): its status,
    every version filed, and the form to file (again, as a new version)."""
    actor, this_year = request.membership, timezone.localdate().year
    if request.method == "POST":
        year = _asked_year(request.POST.get("year"), this_year)
        if request.POST.get("from_plan"):
            plans, asked = editable_plans(actor), pk_or_none(request.POST.get("plan"))
            # The plan asked for, else the plan of the year asked.
            plan = (
                get_object_or_404(plans, pk=asked) if asked else get_object_or_404(plans, year=year)
            )
            year = plan.year
            action = partial(filing_from_plan, actor=actor, plan=plan)
        else:
            word, pdf = request.FILES.get("word"), request.FILES.get("pdf")
            action = partial(filing_submit, actor=actor, year=year, word=word, pdf=pdf)
        return post_action(
            request,
            action,
            success=_("Filed."),
            redirect_to=f"{reverse('learning:filing')}?year={year}",
        )
    year = _asked_year(request.GET.get("year"), this_year)
    if year not in filing_years():
        year = this_year
    context = {
        "year": year,
        "years": filing_years(),
        "view": filer_view(actor=actor, year=year),
        "plan": editable_plans(actor).filter(year=year).first(),
    }
    return render(request, "learning/filing.html", context)


@role_required(*FILERS)
def filing_reminder(request):
    """The home-page banner while this year's filing is missing (after a reminder)."""
    today = timezone.localdate()
    context = {"show": reminder_shown(request.membership, today), "due": deadline(today.year)}
    return render(request, "learning/_filing_reminder.html", context)


@role_required(Role.PROVINCE_HR)
def filing_board(request):
    year = _asked_year(request.GET.get("year"), timezone.localdate().year)
    rows = board(year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            _("filings-%(year)s.xlsx") % {"year": year},
            [(_("Filings"), BOARD_XLSX_HEADERS, board_xlsx_rows(rows))],
            fallback=f"filings-{year}.xlsx",
        )
    context = {"rows": rows, "year": year, "due": deadline(year)}
    return render(request, "learning/filing_board.html", context)


@role_required(Role.PROVINCE_HR, *FILERS)
def filing_file(request, pk, kind):
    filing = get_object_or_404(filings_visible_to(request.membership), pk=pk)
    file = {"word": filing.word, "pdf": filing.pdf}.get(kind)
    if not file:
        raise Http404
    stored = file.name.rsplit("/", 1)[-1]
    owner = filing.authority or filing.city
    name = _("%(owner)s-%(year)s-%(kind)s-v%(version)s.%(extension)s") % {
        "owner": owner.name if owner else "",
        "year": filing.year,
        "kind": filing.get_kind_display(),
        "version": filing.version,
        "extension": stored.rpartition(".")[2],
    }
    return download_response(file.open("rb"), filename=name, fallback=stored)
