"""Compliance report pages: request, progress, downloads, retry, 我的报表.

What each role may report on and read is credits.selectors' (report_scope_options,
report_target, reports_visible_to); the two buttons post through
portal.actions.post_action to one service each (credits.reports)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits import selectors
from credits.forms import ReportYearForm, rule_years
from credits.reports import report_request, report_retry
from portal import scoping
from portal.actions import post_action
from portal.downloads import download_response
from portal.models import Role
from portal.roles import role_required

REPORT_ROLES = (Role.UNIT_HR, Role.DEPARTMENT_ADMIN, Role.CITY_HR, Role.PROVINCE_HR)


@role_required(*REPORT_ROLES)
def report_list(request):
    context = {
        "reports": selectors.reports_visible_to(request.membership)[:50],
        "options": selectors.report_scope_options(request.membership),
        "years": [y for y, _label in rule_years()],
        "default_year": selectors.default_year() - 1,
    }
    return render(request, "credits/reports.html", context)


@require_POST
@role_required(*REPORT_ROLES)
def report_new(request):
    """Queue a report on a scope of the actor's (404 for any other) for a ruled year
    (else a message on the list), and show its page."""
    scope, target = selectors.report_target(request.membership, request.POST.get("scope", ""))
    return post_action(
        request,
        lambda data: report_request(
            year=data["year"],
            requested_by=request.user,
            scope=scope,
            target=target,
            full_ids=scoping.sees_full_id_numbers(request.membership),
        ),
        form=ReportYearForm(request.POST),
        invalid=_("Choose a year that has a rule."),
        success=None,
        redirect_to=lambda job: ("credits:report", job.pk) if job else "credits:reports",
    )


@role_required(*REPORT_ROLES)
def report_detail(request, pk):
    job = get_object_or_404(selectors.reports_visible_to(request.membership), pk=pk)
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
    job = get_object_or_404(selectors.reports_visible_to(request.membership), pk=pk)
    return post_action(
        request,
        lambda: report_retry(job, actor=request.user),
        success=None,
        redirect_to=("credits:report", pk),
    )


@role_required(*REPORT_ROLES)
def report_file(request, pk, kind):
    job = get_object_or_404(selectors.reports_visible_to(request.membership), pk=pk)
    file = {"xlsx": job.xlsx, "pdf": job.pdf}.get(kind)
    if not file:
        raise Http404
    return download_response(
        file.open("rb"),
        filename=_("compliance-report-%(year)s-%(number)s.%(kind)s")
        % {"year": job.year, "number": job.pk, "kind": kind},
        fallback=f"report-{job.year}-{job.pk}.{kind}",
    )
