import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.filings import (
    BOARD_XLSX_HEADERS,
    FilingError,
    board,
    board_xlsx_rows,
    deadline,
    filer_view,
    filing_from_plan,
    filing_submit,
    filing_years,
)
from learning.models import Filing, FilingReminder
from learning.plans import editable_plans
from portal.downloads import download_response
from portal.models import Role
from portal.roles import role_required
from portal.xlsx import xlsx_response

FILERS = (Role.DEPARTMENT_ADMIN, Role.CITY_HR)


def _own_filing(actor, year):
    scope = {"authority": actor.authority} if actor.authority_id else {"city": actor.city}
    return Filing.objects.filter(year=year, **scope).first()


def _asked_year(value: str, default: int) -> int:
    """A four-digit year from the query or form (ASCII digits only), else `default`."""
    return int(value) if re.fullmatch(r"[0-9]{4}", value or "") else default


@role_required(*FILERS)
def filing_page(request):
    """The filer's filing for a year (the asked one, this year by default): its status,
    every version filed, and the form to file (again, as a new version)."""
    actor, this_year = request.membership, timezone.localdate().year
    if request.method == "POST":
        year = _asked_year(request.POST.get("year", ""), this_year)
        try:
            if request.POST.get("from_plan"):
                asked, plans = request.POST.get("plan", ""), editable_plans(actor)
                if re.fullmatch(r"[0-9]{1,18}", asked):
                    plan = get_object_or_404(plans, pk=int(asked))
                else:  # the plan of the year asked
                    plan = get_object_or_404(plans, year=year)
                year = plan.year
                filing_from_plan(actor=actor, plan=plan)
            else:
                filing_submit(
                    actor=actor,
                    year=year,
                    word=request.FILES.get("word"),
                    pdf=request.FILES.get("pdf"),
                )
        except FilingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Filed."))
        return redirect(f"{reverse('learning:filing')}?year={year}")
    year = _asked_year(request.GET.get("year", ""), this_year)
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
    actor, today = request.membership, timezone.localdate()
    scope = {"authority": actor.authority} if actor.authority_id else {"city": actor.city}
    reminded = FilingReminder.objects.filter(sent_on=today, **scope).exists()
    missing = _own_filing(actor, today.year) is None
    context = {"show": reminded and missing, "due": deadline(today.year)}
    return render(request, "learning/_filing_reminder.html", context)


@role_required(Role.PROVINCE_HR)
def filing_board(request):
    year = _asked_year(request.GET.get("year", ""), timezone.localdate().year)
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
    filing = get_object_or_404(Filing, pk=pk)
    actor = request.membership
    own = (actor.authority_id and filing.authority_id == actor.authority_id) or (
        actor.city_id and filing.city_id == actor.city_id
    )
    if actor.role != Role.PROVINCE_HR and not own:
        raise Http404
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
