"""Pages of the documents a title application carries: a past year's certificate on
request, eligibility statements, the one-document PDF of several years' certificates,
and the public verification pages of the statements and documents.

Each view: fetch through the scoping layer (portal.scoping, or the owner's own
rows), validate with a form, call one service, message, redirect.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates.forms import PastYearForm, StatementForm, TitleDocumentForm
from certificates.models import EligibilityStatement, TitleDocument
from certificates.past_years import (
    compliant_years_without_certificate,
    past_year_certificate_request,
)
from certificates.pdf_views import stored_pdf_response
from certificates.selectors import statements_visible_to, title_documents_visible_to
from certificates.services import document_stored
from certificates.statements import (
    stated_achievements,
    stated_result,
    statement_corrections,
    statement_issue,
)
from certificates.title_documents import (
    combinable_certificates,
    title_document_certificates,
    title_document_issue,
    title_document_revocation,
    title_documents_of,
    with_certificates,
)
from portal import scoping
from portal.actions import post_action
from portal.identity import mask_id_number
from portal.models import Role
from portal.roles import public, role_required

HR_ROLES = (Role.UNIT_HR, Role.CITY_HR, Role.DEPARTMENT_ADMIN, Role.PROVINCE_HR)


def _form_error(form) -> str:
    return "；".join(str(error) for errors in form.errors.values() for error in errors)


# -- a past year's certificate -------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def past_year_request(request):
    """GET ?year=: what will be issued, and the button; POST: issue it."""
    form = PastYearForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("certificates:mine")
    year = form.cleaned_data["year"]
    if request.method == "POST":
        return post_action(
            request,
            lambda: past_year_certificate_request(
                person=request.user, year=year, requested_by=request.user
            ),
            success=lambda certificate: (
                _("Your certificate of %(year)s has been issued: %(serial)s.")
                % {"year": year, "serial": certificate.serial}
            ),
            redirect_to="certificates:mine",
        )
    offered = {s.year: s for s in compliant_years_without_certificate(request.user)}
    if year not in offered:
        messages.error(
            request,
            _(
                "The certificate of %(year)s cannot be requested: the year did not "
                "meet its rule, or its certificate has been issued already."
            )
            % {"year": year},
        )
        return redirect("certificates:mine")
    context = {"status": offered[year]}
    return render(request, "certificates/past_year_confirm.html", context)


# -- eligibility statements ----------------------------------------------------------


@require_POST
@role_required(Role.PROFESSIONAL, *HR_ROLES)
def statement_new(request, person_pk):
    """Issue a statement of the posted review period about a person in scope; its
    page on success, else back to the person's eligibility with the reason."""
    person = scoping.get_person_for(request.membership, person_pk)
    form = StatementForm(request.POST)
    return post_action(
        request,
        lambda data: statement_issue(
            person=person,
            start_year=data["start_year"],
            end_year=data["end_year"],
            issued_by=request.user,
        ),
        success=lambda statement: _("Statement %(serial)s issued.") % {"serial": statement.serial},
        redirect_to=lambda statement: (
            ("certificates:statement", statement.pk)
            if statement
            else reverse("credits:eligibility", args=[person.pk])
        ),
        form=form,
        invalid=_form_error(form),
    )


@role_required(Role.PROFESSIONAL, *HR_ROLES)
def statement_detail(request, pk):
    """A statement in scope: its result per year as issued, and its PDF when ready."""
    statement = get_object_or_404(statements_visible_to(request.membership), pk=pk)
    context = {
        "statement": statement,
        "result": stated_result(statement),
        "achievements": stated_achievements(statement),
        "ready": document_stored(statement),
    }
    return render(request, "certificates/statement.html", context)


@role_required(Role.PROFESSIONAL, *HR_ROLES)
def statement_pdf(request, pk):
    """A statement's stored PDF (or the page saying it is being prepared)."""
    statement = get_object_or_404(statements_visible_to(request.membership), pk=pk)
    return stored_pdf_response(
        request,
        statement,
        filename=_("eligibility-statement-%(name)s.pdf") % {"name": statement.real_name},
    )


@public
def statement_verify(request, code):
    """What the statement's QR code opens (public): the result per year and the
    achievements as issued, the name and the masked ID number, and which years were
    corrected since. (A
    malformed code never gets here: the URL's converter answers 404.)"""
    statement = get_object_or_404(
        EligibilityStatement.objects.prefetch_related("years"), verification_code=code
    )
    corrections = statement_corrections(statement)  # reads the prefetched years
    years = [{"row": row, "now": corrections.get(row.year)} for row in statement.years.all()]
    context = {
        "statement": statement,
        "years": years,
        "corrected": bool(corrections),
        "achievements": stated_achievements(statement),
        "masked_id": mask_id_number(statement.id_number),
    }
    return render(request, "certificates/statement_verify.html", context)


# -- one document for a title application ---------------------------------------------


@role_required(Role.PROFESSIONAL)
def title_documents(request):
    """Her certificates to choose from, and the documents she made; POST makes one."""
    certificates = list(combinable_certificates(request.user))
    data = request.POST if request.method == "POST" else None  # none ticked: still a POST
    form = TitleDocumentForm(data, certificates=certificates)
    if request.method == "POST":
        return post_action(
            request,
            lambda data: title_document_issue(
                person=request.user, years=data["years"], issued_by=request.user
            ),
            success=lambda document: (
                _("Document %(serial)s is being prepared.") % {"serial": document.serial}
            ),
            redirect_to="certificates:title_documents",
            form=form,
            invalid=_form_error(form),
        )
    context = {
        "form": form,
        "certificates": certificates,
        "missing": compliant_years_without_certificate(request.user),
        "documents": [
            {"document": d, "ready": document_stored(d), "years": title_document_certificates(d)}
            for d in title_documents_of(request.user)
        ],
    }
    return render(request, "certificates/title_documents.html", context)


@role_required(Role.PROFESSIONAL, Role.PROVINCE_HR)
def title_document_pdf(request, pk):
    """Her own document for a professional; any in scope for provincial HR, which
    resolves documents no font could draw (certificates:blocked links here)."""
    document = get_object_or_404(title_documents_visible_to(request.membership), pk=pk)
    return stored_pdf_response(
        request,
        document,
        filename=_("title-application-certificates-%(serial)s.pdf") % {"serial": document.serial},
    )


@public
def title_document_verify(request, code):
    """What the document's QR code opens (public): its certificates, each with its
    status now, the name and the masked ID number; revoked as a whole once one of its
    certificates is."""
    document = get_object_or_404(
        with_certificates(TitleDocument.objects.all()), verification_code=code
    )
    context = {
        "document": document,
        "certificates": title_document_certificates(document),
        "revocation": title_document_revocation(document),
        "masked_id": mask_id_number(document.id_number),
    }
    return render(request, "certificates/title_document_verify.html", context)
