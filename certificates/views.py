"""Pages of the annual certificates: a professional's own, unit HR's list and
batches, revocation and search, and the public verification by QR code or by serial
and name.

Each view: fetch through the scoping layer (certificates.selectors, portal.scoping),
validate with a form, call one service through portal.actions (form_action,
post_action), message, redirect. No view compares roles.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import registry, selectors
from certificates.batches import batch_create, bundle_create
from certificates.forms import BatchForm, RevokeForm, SearchForm, VerifyForm, YearChoiceForm
from certificates.models import Certificate
from certificates.past_years import compliant_years_without_certificate
from certificates.pdf_views import stored_pdf_response
from certificates.services import certificate_issue, certificate_revoke
from credits.eligibility import MAX_PERIOD_YEARS
from credits.models import YearRule
from credits.selectors import default_year, with_year_hours
from portal import scoping, throttle
from portal.actions import form_action, post_action
from portal.downloads import download_response
from portal.identity import mask_id_number, normalize_name
from portal.models import Role
from portal.pagination import page_with_total
from portal.roles import public, role_required

VERIFY_ATTEMPTS = 10
VERIFY_WINDOW_SECONDS = 600


def _year(request, data=None) -> int:
    form = YearChoiceForm(data if data is not None else request.GET)
    if form.is_valid():
        return form.cleaned_data["year"]
    # The last finished year that has a rule: certificates are for completed years.
    return min(default_year(), timezone.localdate().year - 1)


# -- professionals -----------------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def my_certificates(request):
    """Her annual certificates, and beside them the certificates other apps issued her
    (training certificates), which they register with `certificates.registry`."""
    context = {
        "certificates": selectors.certificates_visible_to(request.membership),
        "held": registry.held_by(request.user),
        "past_years": compliant_years_without_certificate(request.user),
    }
    return render(request, "certificates/my_certificates.html", context)


@role_required(Role.PROFESSIONAL, Role.UNIT_HR, Role.PROVINCE_HR)
def certificate_pdf(request, pk):
    """The certificate's PDF, for whoever may see it (selectors.certificates_visible_to);
    a page saying it is being prepared (202) or cannot be drawn (409) meanwhile."""
    certificate = get_object_or_404(selectors.certificates_visible_to(request.membership), pk=pk)
    return stored_pdf_response(
        request,
        certificate,
        filename=_("certificate-%(serial)s.pdf") % {"serial": certificate.serial},
    )


# -- unit HR -----------------------------------------------------------------------


@role_required(Role.UNIT_HR)
def unit_certificates(request):
    """Unit HR's certificates of a year (?year=, else the last finished one): the
    counts, the staff with their hours and certificate, revoked ones, bundles."""
    year = _year(request)
    rule = YearRule.objects.filter(year=year).first()
    if rule is None:
        raise Http404
    unit = request.membership.unit
    listed = selectors.with_certificate(
        with_year_hours(selectors.people_of(unit=unit), year), year
    ).order_by("real_name", "id")
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    years = [y for y, _label in YearChoiceForm().fields["year"].choices]
    context = {
        "year": year,
        "years": years,
        # The range form's default: the longest range a batch takes, ending at `year`.
        "range_start": min((y for y in years if year - MAX_PERIOD_YEARS < y <= year), default=year),
        "rule": rule,
        "page": page,
        "query": f"year={year}",
        "bundles": selectors.bundles_visible_to(request.membership).filter(year=year)[:5],
        **selectors.unit_year_summary(unit, year, rule),
    }
    return render(request, "certificates/unit_certificates.html", context)


@require_POST
@role_required(Role.UNIT_HR, Role.PROVINCE_HR)
def issue_one(request, person_pk):
    """Issue the certificate of the posted year to a person in scope; back to the
    page the form was on (`next`, this site only) with the outcome as a message."""
    person = scoping.get_person_for(request.membership, person_pk)
    year = _year(request, request.POST)
    # Back to the page the form was on, but only to a path of this site ("abc" is not
    # one: redirect() would take it for a view's name), and not from HTTPS down to
    # plain HTTP.
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = f"{reverse('certificates:unit')}?year={year}"
    return post_action(
        request,
        lambda: certificate_issue(person=person, year=year, issued_by=request.user),
        success=lambda certificate: (
            _("Certificate %(serial)s issued to %(name)s.")
            % {"serial": certificate.serial, "name": person.real_name}
        ),
        redirect_to=target,
    )


@require_POST
@role_required(Role.UNIT_HR, Role.PROVINCE_HR)
def batch_new(request):
    """Start a batch over the actor's scope (selectors.batch_scope_for: unit HR its
    unit; provincial HR a city it picks, or the province) and show its progress."""
    return post_action(
        request,
        lambda data: batch_create(
            year=data["year"],
            end_year=data["end_year"],
            requested_by=request.user,
            **selectors.batch_scope_for(request.membership, data["city"]),
        ),
        success=None,
        redirect_to=lambda batch: ("certificates:batch", batch.pk) if batch else "portal:home",
        form=BatchForm(request.POST),
        invalid=_("Choose a year that has a rule."),
    )


@role_required(Role.UNIT_HR, Role.PROVINCE_HR)
def batch_detail(request, pk):
    """A batch's progress (the partial alone for htmx polling) and its failures."""
    batch = get_object_or_404(selectors.batches_visible_to(request.membership), pk=pk)
    failures = batch.failures.select_related("person")[:200]
    context = {"job": batch, "batch": batch, "failures": failures}
    if request.htmx:
        return render(request, "certificates/_batch_progress.html", context)
    return render(request, "certificates/batch.html", context)


@require_POST
@role_required(Role.UNIT_HR)
def bundle_new(request):
    """Start the printable bundle of the unit's certificates of the posted year."""
    year = _year(request, request.POST)
    return post_action(
        request,
        lambda: bundle_create(unit=request.membership.unit, year=year, requested_by=request.user),
        success=None,
        redirect_to=lambda bundle: (
            ("certificates:bundle", bundle.pk)
            if bundle
            else f"{reverse('certificates:unit')}?year={year}"
        ),
    )


@role_required(Role.UNIT_HR)
def bundle_detail(request, pk):
    """A bundle's progress (the partial alone for htmx polling)."""
    bundle = get_object_or_404(selectors.bundles_visible_to(request.membership), pk=pk)
    context = {"job": bundle, "bundle": bundle}
    if request.htmx:
        return render(request, "certificates/_bundle_progress.html", context)
    return render(request, "certificates/bundle.html", context)


@role_required(Role.UNIT_HR)
def bundle_pdf(request, pk):
    """The bundle's PDF (404 until it is made)."""
    bundle = get_object_or_404(selectors.bundles_visible_to(request.membership), pk=pk)
    if not bundle.pdf:
        raise Http404
    return download_response(
        bundle.pdf.open("rb"),
        content_type="application/pdf",
        filename=_("certificates-%(year)s.pdf") % {"year": bundle.year},
        fallback=f"certificates-{bundle.year}.pdf",
        as_attachment=False,
    )


# -- revocation and search ---------------------------------------------------------


@role_required(Role.UNIT_HR, Role.PROVINCE_HR)
def revoke(request, pk):
    """Revoke a valid certificate in scope with a category and a reason; then back to
    where the actor's role works (selectors.after_revocation_url)."""
    certificate = get_object_or_404(
        selectors.certificates_visible_to(request.membership).filter(
            status=Certificate.Status.VALID
        ),
        pk=pk,
    )
    form = RevokeForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda data: certificate_revoke(
            certificate=certificate,
            category=data["category"],
            reason=data["reason"],
            revoked_by=request.user,
        ),
        success=_("Certificate %(serial)s has been revoked; a new one can now be issued.")
        % {"serial": certificate.serial},
        redirect_to=selectors.after_revocation_url(request.membership, certificate),
    )
    return done or render(
        request, "certificates/revoke.html", {"certificate": certificate, "form": form}
    )


@role_required(Role.PROVINCE_HR)
def search(request):
    """Provincial HR's search by certificate number or ID number."""
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = selectors.certificates_found(request.membership, form.cleaned_data["q"])
    context = {
        "form": form,
        "results": results,
        "cities": scoping.cities_visible_to(request.membership),
        "years": [y for y, _label in YearChoiceForm().fields["year"].choices],
    }
    return render(request, "certificates/search.html", context)


@role_required(Role.PROVINCE_HR)
def blocked(request):
    """Certificates of every kind whose PDF was refused because no font draws part
    of the holder's name or unit: provincial HR resolves them."""
    return render(request, "certificates/blocked.html", {"rows": selectors.blocked_certificates()})


# -- the public --------------------------------------------------------------------


@public
def verify(request, code):
    """What the QR code opens. Unknown codes get a bare 404 (malformed ones never
    get here: the URL's converter, portal.converters)."""
    certificate = get_object_or_404(Certificate, verification_code=code)
    context = {
        "certificate": certificate,
        "masked_id": mask_id_number(certificate.id_number),
        "category": "" if certificate.is_valid else registry.revocation_category_label(certificate),
    }
    return render(request, "certificates/verify.html", context)


@public
def verify_form(request):
    """Serial number plus name; a serial alone reveals nothing. Rate-limited per client
    on failed lookups only: an HR office checking a stack of certificates from one
    address is never locked out, someone guessing names is."""
    form = VerifyForm(request.POST or None)
    if request.method == "POST":
        # Counted as a failure up front (atomically, so that a burst cannot all pass
        # the check), taken back below when the lookup succeeds.
        if not throttle.attempt(
            "verify", request, limit=VERIFY_ATTEMPTS, window_seconds=VERIFY_WINDOW_SECONDS
        ):
            return render(
                request,
                "certificates/verify_form.html",
                {"form": form, "limited": True},
                status=429,
            )
        if form.is_valid():
            serial = form.cleaned_data["serial"]
            certificate = Certificate.objects.filter(serial=serial).first()
            # The name as stored on the certificate (a snapshot, perhaps from before
            # names were normalised) and as typed, both in normal form.
            name = form.cleaned_data["name"]
            if certificate and normalize_name(certificate.real_name) == name:
                throttle.forgive("verify", request)
                return redirect("certificates:verify", code=certificate.verification_code)
            if certificate is None and (path := registry.verification_path(serial, name)):
                throttle.forgive("verify", request)
                return redirect(path)
            form.add_error(None, _("No certificate matches this number and name."))
    return render(request, "certificates/verify_form.html", {"form": form})


# -- self-evaluating units (notice 五(一)) ------------------------------------------------


def _rule_year(request) -> int:
    """The year of `?year=` when a rule has it, else the current rule year
    (credits.selectors.default_year)."""
    form = YearChoiceForm(request.GET)
    return form.cleaned_data["year"] if form.is_valid() else default_year()


@role_required(Role.PROVINCE_HR)
def self_evaluating_board(request):
    """Provincial HR's board of the self-evaluating units for a year (?year=, default
    the current rule year): staff, staff with hours registered, compliant staff and
    certificates issued, those that do not use the platform first; 50 a page."""
    year = _rule_year(request)
    units = selectors.self_evaluating_board(request.membership, year)
    context = {
        "year": year,
        "years": [y for y, _label in YearChoiceForm().fields["year"].choices],
        "page": page_with_total(units, 50, request.GET.get("page")),
        "query": f"year={year}",
    }
    return render(request, "certificates/self_evaluating_board.html", context)


@role_required(Role.UNIT_HR)
def self_evaluating_unit_figures(request):
    """The same figures for unit HR's own unit in the current rule year, drawn into
    its home page (htmx); empty when the unit is not self-evaluating."""
    year = default_year()
    unit = selectors.self_evaluating_figures(request.membership, year)
    return render(
        request, "certificates/_self_evaluating_figures.html", {"unit": unit, "year": year}
    )
