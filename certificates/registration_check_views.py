"""Pages of the registration checks (职业资格登记/注册学时核查; the notice, section 一):
a department admin runs a check of a list; she sees her authority's checks, provincial
HR every authority's; the public verifies a check's PDF by its code.

Each view: fetch through the scoping layer (certificates.selectors), call one service
(certificates.registration_checks), render.
"""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from certificates.models import RegistrationCheck
from certificates.pdf_views import stored_pdf_response
from certificates.registration_check_forms import RegistrationCheckForm
from certificates.registration_checks import (
    RegistrationListError,
    check_summary,
    registration_check_run,
    registration_check_workbook,
    shown_id,
    verdict_label,
    verdict_note,
)
from certificates.selectors import registration_check_authority, registration_checks_visible_to
from certificates.services import document_stored
from portal import scoping
from portal.actions import form_action
from portal.models import Role
from portal.pagination import page_with_total
from portal.roles import public, role_required
from portal.xlsx import xlsx_file_response

READERS = (Role.DEPARTMENT_ADMIN, Role.PROVINCE_HR)
CHECKS_PER_PAGE = 20
ROWS_PER_PAGE = 100


def _rows(check: RegistrationCheck, page_number, *, full_ids: bool):
    """A page of the check's person-years, each with its verdict and its ID number as
    the reader may see it (`shown_id`: masked unless `full_ids`)."""
    page = page_with_total(check.rows.order_by("line", "year", "id"), ROWS_PER_PAGE, page_number)
    for row in page:
        row.shown_id = shown_id(row, full_ids)
        row.verdict = verdict_label(row)
    return page


@role_required(*READERS)
def registration_checks(request):
    """The checks the actor may read, newest first (who asked, kind, purpose, when,
    the downloads); a department admin starts a new one from here."""
    checks = registration_checks_visible_to(request.membership).order_by("-created_at", "-id")
    context = {
        "page": page_with_total(checks, CHECKS_PER_PAGE, request.GET.get("page")),
        "runs_checks": registration_check_authority(request.membership) is not None,
    }
    return render(request, "certificates/registration_checks.html", context)


@role_required(Role.DEPARTMENT_ADMIN)
def registration_check_new(request):
    """The list upload with the registration kind; the check's page once it ran, else
    the form again with the reasons (every row that cannot be checked)."""
    posted = request.method == "POST"
    form = RegistrationCheckForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    problems: list[str] = []

    def run(data):
        try:
            return registration_check_run(
                actor=request.membership,
                upload=data["file"],
                kind=data["kind"],
                purpose=data["purpose"],
            )
        except RegistrationListError as error:
            problems.extend(error.problems)
            raise

    response = form_action(
        request,
        form,
        run,
        success=lambda check: _("Check %(serial)s done.") % {"serial": check.serial},
        redirect_to=lambda check: ("certificates:registration_check", check.pk),
    )
    if response:
        return response
    context = {"form": form, "problems": problems, "note": verdict_note()}
    return render(request, "certificates/registration_check_new.html", context)


@role_required(*READERS)
def registration_check_detail(request, pk):
    """One check: what it was, its figures and its person-years (paginated)."""
    check = get_object_or_404(registration_checks_visible_to(request.membership), pk=pk)
    full_ids = scoping.sees_full_id_numbers(request.membership)
    context = {
        "check": check,
        "summary": check_summary(check),
        "page": _rows(check, request.GET.get("page"), full_ids=full_ids),
        "ready": document_stored(check),
        "note": verdict_note(),
    }
    return render(request, "certificates/registration_check.html", context)


@role_required(*READERS)
def registration_check_xlsx(request, pk):
    """The check as an .xlsx (ID numbers as the reader may see them)."""
    check = get_object_or_404(registration_checks_visible_to(request.membership), pk=pk)
    content = registration_check_workbook(
        check, full_ids=scoping.sees_full_id_numbers(request.membership)
    )
    return xlsx_file_response(
        content,
        filename=_("registration-check-%(serial)s.xlsx") % {"serial": check.serial},
        fallback=f"{check.serial}.xlsx",
    )


@role_required(*READERS)
def registration_check_pdf(request, pk):
    """The check's signed PDF, or the page saying it is being prepared (202)."""
    check = get_object_or_404(registration_checks_visible_to(request.membership), pk=pk)
    return stored_pdf_response(
        request, check, filename=_("registration-check-%(serial)s.pdf") % {"serial": check.serial}
    )


@public
def registration_check_verify(request, code):
    """What the check's QR code opens (public): its number, authority, kind and date,
    its figures and, per person-year, the row, the masked ID number and the verdict —
    no names and no purpose: enough to hold a printed copy against, nothing a
    stranger with the code learns beyond it. (A malformed code never gets here: the
    URL's converter answers 404.)"""
    check = get_object_or_404(
        RegistrationCheck.objects.select_related("authority"), verification_code=code
    )
    page = _rows(check, request.GET.get("page"), full_ids=False)
    context = {"check": check, "summary": check_summary(check), "page": page}
    return render(request, "certificates/registration_check_verify.html", context)
