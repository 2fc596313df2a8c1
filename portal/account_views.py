"""Registration, approval, transfers and the unit's account management."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import scoping, selectors, throttle
from portal.accounts import account_set_active, unit_hr_add
from portal.actions import form_action, post_action
from portal.forms import (
    AccountActionForm,
    ContactForm,
    CorrectionForm,
    PersonDetailsForm,
    RegistrationForm,
    TransferForm,
    UnitDetailsForm,
    UnitRegistrationForm,
    listed_units,
)
from portal.http import pk_or_none
from portal.identity import normalize_id_number
from portal.models import ReviewStatus, Role, Transfer
from portal.registration import (
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
from portal.roles import public, role_required, signed_in
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

    def register_and_log_in(_data):
        user = save(form)
        throttle.forgive("register", request)
        throttle.forgive("register-id-number", request, per=id_number)
        login(request, user, backend=LOGIN_BACKEND)
        return user

    done = form_action(
        request, form, register_and_log_in, success=success, redirect_to="portal:my_registration"
    )
    return done or render(request, template, {"form": form})


@public
def register(request):
    return _registration(
        request,
        RegistrationForm,
        lambda form: person_register(**form.account_data(), **form.person_data()),
        _("Your registration has been submitted."),
        "registration/register.html",
    )


@public
def register_unit(request):
    return _registration(
        request,
        UnitRegistrationForm,
        lambda form: unit_register(unit=form.unit_data(), hr=form.hr_data()).registered_by,
        _("The unit's registration has been submitted."),
        "registration/register_unit.html",
    )


@public
def unit_options(request):
    """The <option>s of the unit picker for a city and search words (htmx)."""
    city = pk_or_none(request.GET.get("city"))
    search = request.GET.get("unit_search", "")
    units = listed_units(city=city, search=search) if city is not None else []
    return render(request, "portal/_unit_options.html", {"units": units})


@signed_in
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
        form, resubmit = (_unit_resubmission if own_unit else _resubmission)(request, record)
        done = form_action(
            request,
            form,
            resubmit,
            success=_("Your registration has been submitted again."),
            redirect_to="portal:my_registration",
        )
        if done:
            return done
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
    done = form_action(
        request,
        form,
        lambda _data: profile_register(user=user, **form.person_data()),
        success=_("Your registration has been submitted."),
        redirect_to="portal:my_registration",
    )
    return done or render(request, "registration/register_profile.html", {"form": form})


def _resubmission(request, record):
    """The form correcting a rejected registration of a person, and its service."""
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
    return form, lambda _data: registration_resubmit(user=user, **form.person_data())


def _unit_resubmission(request, record):
    """The form correcting a rejected registration of a unit, and its service."""
    unit = record.unit
    initial = {
        "unit_name": unit.name,
        "credit_code": unit.credit_code,
        "unit_city": unit.city_id,
        "is_province_direct": unit.is_province_direct,
        "authority": unit.authority_id,
    }
    form = UnitDetailsForm(request.POST or None, initial=initial, unit=unit)
    return form, lambda _data: unit_resubmit(user=request.user, **form.unit_data())


@signed_in
def my_account(request):
    """Her own details: phone and e-mail she may change; name, ID number, unit and
    title only her unit's HR office changes."""
    user = request.user
    form = ContactForm(
        request.POST or None, initial={"phone": user.phone, "email": user.email}, user=user
    )
    done = form_action(
        request,
        form,
        lambda data: contact_update(user=user, **data),
        success=_("Saved."),
        redirect_to="portal:my_account",
    )
    context = {"form": form, "record": getattr(user, "profile", None)}
    return done or render(request, "portal/my_account.html", context)


# -- unit HR: registrations, people, transfers ------------------------------------------


@role_required(Role.UNIT_HR)
def unit_people(request):
    actor = request.membership
    status = request.GET.get("status", "")
    search = request.GET.get("q", "").strip()
    people = selectors.unit_people(actor, status=status, search=search)
    context = {
        "registrations": selectors.pending_registrations(actor),
        # Every open transfer the home tile counts, on whichever side the unit is.
        **selectors.unit_transfers(actor),
        "page": Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page")),
        "statuses": selectors.PERSON_STATUSES,
        "status": status,
        "q": search,
        "query": urlencode({"status": status, "q": search}),
    }
    return render(request, "portal/unit_people.html", context)


@require_POST
@role_required(Role.UNIT_HR)
def registration_review(request, pk):
    """Approve or reject (with a reason) a registration to the unit."""
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    return post_action(
        request,
        lambda: registration_decide(
            actor=request.membership, pk=pk, approve=approve, reason=reason
        ),
        success=_("The registration has been decided."),
        redirect_to="portal:unit_people",
    )


@require_POST
@role_required(Role.UNIT_HR)
def transfer_review(request, pk):
    """The new unit accepts or rejects a transfer; the former unit objects to it."""
    actor, decision = request.membership, request.POST.get("decision")
    reason = request.POST.get("reason", "")
    if decision == "object":
        return post_action(
            request,
            lambda: transfer_object(actor=actor, pk=pk, reason=reason),
            success=_("Your objection has been recorded."),
            redirect_to="portal:unit_people",
        )
    accept = decision == "approve"
    return post_action(
        request,
        lambda: transfer_decide(actor=actor, pk=pk, accept=accept, reason=reason),
        success=_("The transfer has been decided."),
        redirect_to="portal:unit_people",
    )


@require_POST
@role_required(Role.UNIT_HR)
def account_action(request, pk):
    """Disable, enable or make HR administrator a person of the unit."""
    actor = request.membership
    person = scoping.get_managed_person_for(actor, pk)
    changes = {
        "disable": lambda: account_set_active(actor=actor, person=person, active=False),
        "enable": lambda: account_set_active(actor=actor, person=person, active=True),
        "make_hr": lambda: unit_hr_add(actor=actor, person=person),
    }
    return post_action(
        request,
        lambda data: changes[data["action"]](),
        form=AccountActionForm(request.POST),
        invalid=_("Unknown action."),
        success=_("Saved."),
        redirect_to=("credits:person_detail", person.pk),
    )


@require_POST
@role_required(Role.UNIT_HR)
def person_correction(request, pk):
    """Correct a person's name or title, with the reason."""
    return post_action(
        request,
        lambda data: person_correct(actor=request.membership, pk=pk, **data),
        form=CorrectionForm(request.POST),
        invalid=_("Give the correct details and the reason for the correction."),
        success=_("The details have been corrected."),
        redirect_to=("credits:person_detail", pk),
    )


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
    """Approve or reject (with a reason) a unit's registration."""
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    return post_action(
        request,
        lambda: unit_decide(actor=request.membership, pk=pk, approve=approve, reason=reason),
        success=_("The unit's registration has been decided."),
        redirect_to="portal:unit_registrations",
    )


# -- professionals: transfers -----------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def my_transfer(request):
    """Ask to move to another unit, or withdraw the request (`cancel`: its id)."""
    actor = request.membership
    if request.method == "POST" and "cancel" in request.POST:
        pk = pk_or_none(request.POST["cancel"])
        if pk is None:
            return redirect("portal:my_transfer")
        return post_action(
            request,
            lambda: transfer_cancel(actor=actor, pk=pk),
            success=_("Withdrawn."),
            redirect_to="portal:my_transfer",
        )
    form = TransferForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda data: transfer_request(person=request.user, to_unit=data["unit"]),
        success=_("Your request has been sent to the new unit."),
        redirect_to="portal:my_transfer",
    )
    if done:
        return done
    transfers = scoping.transfers_visible_to(actor)
    context = {
        "form": form,
        "unit": request.user.profile.unit,
        "open": transfers.filter(status__in=Transfer.OPEN).first(),
        "transfers": transfers[:20],
    }
    return render(request, "portal/my_transfer.html", context)
