"""Registration, approval, transfers and the unit's account management."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import scoping, selectors, throttle
from portal.accounts import AccountError, account_set_active, unit_hr_add
from portal.forms import (
    ContactForm,
    CorrectionForm,
    PersonDetailsForm,
    RegistrationForm,
    TransferForm,
    UnitDetailsForm,
    UnitRegistrationForm,
    listed_units,
)
from portal.http import is_pk
from portal.identity import normalize_id_number
from portal.models import ReviewStatus, Role, Transfer
from portal.registration import (
    RegistrationError,
    approver_of,
    contact_update,
    person_correct,
    person_register,
    profile_register,
    registration_decide,
    registration_resubmit,
    unit_decide,
    unit_register,
    unit_resubmit,
)
from portal.roles import role_required
from portal.transfers import (
    transfer_cancel,
    transfer_decide,
    transfer_object,
    transfer_request,
)

PEOPLE_PER_PAGE = 50
REGISTRATION_WINDOW_SECONDS = 3600
LOGIN_BACKEND = "portal.backends.IdNumberOrPhoneBackend"


# -- professionals and units register --------------------------------------------------


def _registration_attempt(request, id_number: str) -> bool:
    """Count a registration post as a failure, per client address and per the ID
    number it names; False when either has failed too often within the hour.

    A taken ID number is said to be taken (pointing to the password reset), so the
    answers would tell who is registered: the address limit bounds how many numbers one
    client may try, the number limit how often many clients together may ask about one
    person's number."""
    if not throttle.attempt(
        "register",
        request,
        limit=settings.REGISTRATION_FAILURES_PER_HOUR,
        window_seconds=REGISTRATION_WINDOW_SECONDS,
    ):
        return False
    return not id_number or throttle.attempt(
        "register-id-number",
        request,
        per=id_number,
        limit=settings.REGISTRATION_FAILURES_PER_ID_NUMBER,
        window_seconds=REGISTRATION_WINDOW_SECONDS,
    )


def _registration(request, form_class, save, success, template):
    """Register a person or a unit with `form_class`, then log the new account in. A
    client that fails too often, or a number failed with too often, is made to wait;
    what it posts then is not even validated, since the answers would tell which
    numbers are taken. (Phones taken are never told: see portal/registration.py.)"""
    if request.user.is_authenticated:
        return redirect("portal:home")
    id_number = normalize_id_number(request.POST.get("id_number", ""))
    # A post is counted as a failure up front (atomically, so that a burst cannot all
    # pass the check) and taken back once the registration is saved.
    if request.method == "POST" and not _registration_attempt(request, id_number):
        messages.error(request, _("Too many failed attempts; please try again in an hour."))
        return render(request, template, {"form": form_class()})
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = save(form)
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            throttle.forgive("register", request)
            throttle.forgive("register-id-number", request, per=id_number)
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, success)
            return redirect("portal:my_registration")
    return render(request, template, {"form": form})


def register(request):
    return _registration(
        request,
        RegistrationForm,
        lambda form: person_register(**form.account_data(), **form.person_data()),
        _("Your registration has been submitted."),
        "registration/register.html",
    )


def register_unit(request):
    return _registration(
        request,
        UnitRegistrationForm,
        lambda form: unit_register(unit=form.unit_data(), hr=form.hr_data()).registered_by,
        _("The unit's registration has been submitted."),
        "registration/register_unit.html",
    )


def unit_options(request):
    """The <option>s of the unit picker for a city and search words (htmx)."""
    city = request.GET.get("city", "")
    search = request.GET.get("unit_search", "")
    units = listed_units(city=city, search=search) if is_pk(city) else []
    return render(request, "portal/_unit_options.html", {"units": units})


@login_required
def my_registration(request):
    """Where a registration stands; after a rejection, the form to correct it."""
    record = getattr(request.user, "profile", None)
    if record is None:
        return _profile_registration(request)
    if record.status == ReviewStatus.APPROVED:
        return redirect("portal:home")
    form = None
    # Whoever registered a unit waits for the unit's approval, not her own.
    own_unit = record.unit.registered_by_id == request.user.pk
    decided = record.unit if own_unit else record
    if decided.status == ReviewStatus.REJECTED:
        form = (_unit_resubmit_form if own_unit else _resubmit_form)(request, record)
        if form is None:
            messages.success(request, _("Your registration has been submitted again."))
            return redirect("portal:my_registration")
    context = {
        "record": record,
        "status": decided.status,
        "reason": decided.rejection_reason,
        "approver": approver_of(request.user),
        "own_unit": own_unit,
        "form": form,
    }
    return render(request, "portal/my_registration.html", context)


def _profile_registration(request):
    """An account without a profile (a trainee, an HR administrator) registers as a
    professional of a unit."""
    user = request.user
    initial = {"real_name": user.real_name, "phone": user.phone, "email": user.email}
    form = PersonDetailsForm(request.POST or None, initial=initial, user=user)
    form = _submitted(request, form, lambda: profile_register(user=user, **form.person_data()))
    if form is not None:
        return render(request, "registration/register_profile.html", {"form": form})
    messages.success(request, _("Your registration has been submitted."))
    return redirect("portal:my_registration")


def _resubmit_form(request, record):
    user = request.user
    initial = {
        "real_name": user.real_name,
        "phone": user.phone,
        "email": user.email,
        "city": record.unit.city_id,
        "unit": record.unit_id,
        **PersonDetailsForm.initial_of(record),
    }
    form = PersonDetailsForm(request.POST or None, initial=initial, user=user)
    return _submitted(request, form, lambda: registration_resubmit(user=user, **form.person_data()))


def _unit_resubmit_form(request, record):
    unit = record.unit
    initial = {
        "unit_name": unit.name,
        "credit_code": unit.credit_code,
        "unit_city": unit.city_id,
        "is_province_direct": unit.is_province_direct,
        "authority": unit.authority_id,
    }
    form = UnitDetailsForm(request.POST or None, initial=initial, unit=unit)
    return _submitted(request, form, lambda: unit_resubmit(user=request.user, **form.unit_data()))


def _submitted(request, form, save):
    """None once `save` has run on a valid posted form, else the form to show."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            return None
    return form


@login_required
def my_account(request):
    """Her own details: phone and e-mail she may change; name, ID number, unit and
    title only her unit's HR office changes."""
    user = request.user
    form = ContactForm(
        request.POST or None, initial={"phone": user.phone, "email": user.email}, user=user
    )
    if _submitted(request, form, lambda: contact_update(user=user, **form.cleaned_data)) is None:
        messages.success(request, _("Saved."))
        return redirect("portal:my_account")
    context = {"form": form, "record": getattr(user, "profile", None)}
    return render(request, "portal/my_account.html", context)


# -- unit HR: registrations, people, transfers ------------------------------------------


@role_required(Role.UNIT_HR)
def unit_people(request):
    actor = request.membership
    status = request.GET.get("status", "")
    search = request.GET.get("q", "").strip()
    people = selectors.unit_people(actor, status=status, search=search)
    # Every open transfer the home tile counts, on whichever side the unit is.
    transfers = selectors.open_transfers(actor)
    context = {
        "registrations": scoping.registrations_visible_to(actor).filter(
            profile__status=ReviewStatus.PENDING
        ),
        "incoming": transfers.filter(to_unit_id=actor.unit_id),
        "outgoing": transfers.filter(from_unit_id=actor.unit_id),
        "page": Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page")),
        "statuses": selectors.PERSON_STATUSES,
        "status": status,
        "q": search,
        "query": urlencode({"status": status, "q": search}),
    }
    return render(request, "portal/unit_people.html", context)


def _run(request, action, success: str) -> None:
    """Run a service call posted from a queue; a refusal becomes an error message."""
    try:
        action()
    except AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)


@require_POST
@role_required(Role.UNIT_HR)
def registration_review(request, pk):
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    _run(
        request,
        lambda: registration_decide(
            actor=request.membership, pk=pk, approve=approve, reason=reason
        ),
        _("The registration has been decided."),
    )
    return redirect("portal:unit_people")


@require_POST
@role_required(Role.UNIT_HR)
def transfer_review(request, pk):
    actor, decision = request.membership, request.POST.get("decision")
    reason = request.POST.get("reason", "")
    if decision == "object":
        _run(
            request,
            lambda: transfer_object(actor=actor, pk=pk, reason=reason),
            _("Your objection has been recorded."),
        )
    else:
        _run(
            request,
            lambda: transfer_decide(
                actor=actor, pk=pk, accept=decision == "approve", reason=reason
            ),
            _("The transfer has been decided."),
        )
    return redirect("portal:unit_people")


@require_POST
@role_required(Role.UNIT_HR)
def account_action(request, pk):
    person = scoping.get_person_for(request.membership, pk)
    action = request.POST.get("action")
    if action in ("disable", "enable"):
        _run(
            request,
            lambda: account_set_active(
                actor=request.membership, person=person, active=action == "enable"
            ),
            _("Saved."),
        )
    elif action == "make_hr":
        _run(request, lambda: unit_hr_add(actor=request.membership, person=person), _("Saved."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect("credits:person_detail", pk=person.pk)


@require_POST
@role_required(Role.UNIT_HR)
def person_correction(request, pk):
    form = CorrectionForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: person_correct(actor=request.membership, pk=pk, **form.cleaned_data),
            _("The details have been corrected."),
        )
    else:
        messages.error(request, _("Give the correct details and the reason for the correction."))
    return redirect("credits:person_detail", pk=pk)


# -- city and provincial HR: unit registrations ----------------------------------------


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def unit_registrations(request):
    units = scoping.unit_registrations_visible_to(request.membership)
    context = {
        "pending": units.filter(status=ReviewStatus.PENDING),
        "rejected": units.filter(status=ReviewStatus.REJECTED).order_by("-pk")[:20],
    }
    return render(request, "portal/unit_registrations.html", context)


@require_POST
@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def unit_review(request, pk):
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    _run(
        request,
        lambda: unit_decide(actor=request.membership, pk=pk, approve=approve, reason=reason),
        _("The unit's registration has been decided."),
    )
    return redirect("portal:unit_registrations")


# -- professionals: transfers -----------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def my_transfer(request):
    actor = request.membership
    form = TransferForm(request.POST or None)
    if request.method == "POST" and "cancel" in request.POST:
        pk = request.POST["cancel"]
        if is_pk(pk):
            _run(request, lambda: transfer_cancel(actor=actor, pk=pk), _("Withdrawn."))
        return redirect("portal:my_transfer")
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request(person=request.user, to_unit=form.cleaned_data["unit"])
        except AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your request has been sent to the new unit."))
            return redirect("portal:my_transfer")
    transfers = scoping.transfers_visible_to(actor)
    context = {
        "form": form,
        "unit": request.user.profile.unit,
        "open": transfers.filter(status__in=Transfer.OPEN).first(),
        "transfers": transfers[:20],
    }
    return render(request, "portal/my_transfer.html", context)
