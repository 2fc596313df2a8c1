"""Compliance report pages: request, progress, downloads, retry, 我的报表."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.forms import rule_years
from credits.models import ReportJob
from credits.reports import report_request, report_retry
from credits.selectors import default_year
from portal import scoping
from portal.downloads import download_response
from portal.models import Role
from portal.roles import role_required

REPORT_ROLES = (Role.UNIT_HR, Role.DEPARTMENT_ADMIN, Role.CITY_HR, Role.PROVINCE_HR)
Scope = ReportJob.Scope


def scope_options(actor) -> list[tuple[str, str]]:
    """The scopes the actor may report on, as (value, label), from the scoping layer."""
    options = []
    if actor.role == Role.PROVINCE_HR:
        options.append((Scope.PROVINCE.value, str(Scope.PROVINCE.label)))
    options += [(f"city:{c.pk}", c.name) for c in scoping.cities_visible_to(actor)]
    options += [(f"authority:{a.pk}", a.name) for a in scoping.authorities_visible_to(actor)]
    if actor.role != Role.PROVINCE_HR:  # the province's units are too many for a list
        options += [(f"unit:{u.pk}", u.name) for u in scoping.units_visible_to(actor)]
    return options


def _target(actor, value: str):
    """(scope, object) for an option value; 404 for anything outside the scope."""
    if value == Scope.PROVINCE and actor.role == Role.PROVINCE_HR:
        return Scope.PROVINCE, None
    kind, _colon, pk = value.partition(":")
    lookups = {
        Scope.CITY: scoping.cities_visible_to,
        Scope.AUTHORITY: scoping.authorities_visible_to,
        Scope.UNIT: scoping.units_visible_to,
    }
    if kind not in lookups or not pk.isdigit():
        raise Http404
    return kind, get_object_or_404(lookups[kind](actor), pk=pk)


def reports_visible_to(actor):
    """One's own reports, and the scheduled ones of one's city or the province."""
    scheduled = Q(requested_by__isnull=True)
    if actor.role == Role.PROVINCE_HR:
        visible = Q(requested_by=actor.user) | scheduled
    elif actor.role == Role.CITY_HR:
        visible = Q(requested_by=actor.user) | (scheduled & Q(city_id=actor.city_id))
    else:
        visible = Q(requested_by=actor.user)
    return ReportJob.objects.filter(visible).select_related("unit", "authority", "city")


@role_required(*REPORT_ROLES)
def report_list(request):
    context = {
        "reports": reports_visible_to(request.membership)[:50],
        "options": scope_options(request.membership),
        "years": [y for y, _label in rule_years()],
        "default_year": default_year() - 1,
    }
    return render(request, "credits/reports.html", context)


@require_POST
@role_required(*REPORT_ROLES)
def report_new(request):
    scope, target = _target(request.membership, request.POST.get("scope", ""))
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = None
    if year not in {y for y, _label in rule_years()}:
        messages.error(request, _("Choose a year that has a rule."))
        return redirect("credits:reports")
    job = report_request(
        year=year,
        requested_by=request.user,
        scope=scope,
        target=target,
        full_ids=scoping.sees_full_id_numbers(request.membership),
    )
    return redirect("credits:report", pk=job.pk)


@role_required(*REPORT_ROLES)
def report_detail(request, pk):
    job = get_object_or_404(reports_visible_to(request.membership), pk=pk)
    context = {"job": job, "report": job.summary}
    if request.htmx:
        response = render(request, "credits/_report_progress.html", context)
        if job.finished:
            response["HX-Refresh"] = "true"  # the full page shows tables and charts
        return response
    return render(request, "credits/report.html", context)


@require_POST
@role_required(*REPORT_ROLES)
def report_retry_view(request, pk):
    job = get_object_or_404(reports_visible_to(request.membership), pk=pk)
    report_retry(job)
    return redirect("credits:report", pk=pk)


@role_required(*REPORT_ROLES)
def report_file(request, pk, kind):
    job = get_object_or_404(reports_visible_to(request.membership), pk=pk)
    file = {"xlsx": job.xlsx, "pdf": job.pdf}.get(kind)
    if not file:
        raise Http404
    return download_response(
        file.open("rb"),
        filename=_("compliance-report-%(year)s-%(number)s.%(kind)s")
        % {"year": job.year, "number": job.pk, "kind": kind},
        fallback=f"report-{job.year}-{job.pk}.{kind}",
    )
