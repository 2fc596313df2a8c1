from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.forms import PlanForm, PlanItemFormSet
from learning.models import ProfessionalPlan
from learning.plan_export import plan_docx, plan_pdf
from learning.plans import (
    PlanError,
    draft_view,
    editable_plans,
    plan_publish,
    published_plans,
    published_view,
)
from learning.study import published_courses
from portal.audit import audit_log
from portal.downloads import download_response
from portal.models import Role
from portal.roles import role_required

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_list(request):
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and len(asked) == 4 else default_year()
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


def plan_detail(request, pk):
    view, editor = _readable_plan(request, pk)
    context = {"plan": view, "sections": view.sections, "items": view.items, "editor": editor}
    return render(request, "learning/plan.html", context)


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
    if request.method == "POST" and form.is_valid() and items.is_valid():
        year_taken = (
            editable_plans(actor)
            .filter(year=form.cleaned_data["year"])
            .exclude(pk=plan.pk)
            .exists()
        )
        if year_taken:
            form.add_error("year", _("Your authority has a plan for this year already."))
        else:
            with transaction.atomic():
                plan = form.save()
                items.instance = plan
                items.save()
                audit_log(actor=request.user, action="learning.plan.saved", plan=plan.pk)
            messages.success(request, _("The plan has been saved."))
            return redirect("learning:plan_edit", pk=plan.pk)
    context = {"plan": plan, "form": form, "items": items}
    return render(request, "learning/plan_edit.html", context)


@require_POST
@role_required(Role.DEPARTMENT_ADMIN)
def plan_publish_view(request, pk):
    plan = get_object_or_404(editable_plans(request.membership), pk=pk)
    try:
        plan_publish(plan=plan, published_by=request.user)
    except PlanError as error:
        messages.error(request, str(error))
        return redirect("learning:plan_edit", pk=pk)
    messages.success(request, _("The plan is published."))
    return redirect("learning:plan", pk=pk)


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
