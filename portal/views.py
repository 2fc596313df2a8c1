from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import front, scoping, selectors
from portal.elder_mode import elder_mode_keep_at_login, elder_mode_set
from portal.forms import LoginForm, ResetConfirmForm, ResetRequestForm, SwitchRoleForm
from portal.health import parts_status, redis_status
from portal.http import pk_or_none
from portal.models import ReviewStatus
from portal.password_reset import reset_confirm, reset_request
from portal.roles import public, signed_in, switch_role


@method_decorator(public, name="dispatch")
class LoginView(auth_views.LoginView):
    """Log in with the ID number or the phone; the elder-friendly mode chosen before
    logging in stays on."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        elder_mode_keep_at_login(self.request)
        return response


@method_decorator(signed_in, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """A logged-in user changes her password."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@public
def password_reset(request):
    """Step one: ask for a code. The answer is the same whether or not the number is
    registered."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reset_request(**form.cleaned_data)
        messages.info(
            request,
            _(
                "If the ID card number and the phone or e-mail belong to an account, "
                "a code has been sent. It is valid for 10 minutes."
            ),
        )
        return redirect("portal:password_reset_confirm")
    return render(request, "registration/password_reset.html", {"form": form})


@public
def password_reset_confirm(request):
    """Step two: the code and the new password; a wrong code fails as a wrong number."""
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = reset_confirm(
            id_number=form.cleaned_data["id_number"],
            code=form.cleaned_data["code"],
            password=form.cleaned_data["new_password1"],
        )
        if done:
            messages.success(request, _("Your password has been reset. Please log in."))
            return redirect("portal:login")
        form.add_error(
            "code", _("The code is wrong or has expired. Ask for a new code after 5 tries.")
        )
    return render(request, "registration/password_reset_confirm.html", {"form": form})


@public
def home(request):
    """The front page for an anonymous visitor (portal.front: the sections the apps
    register, the same for everybody); a logged-in user is sent to the home page of
    the role she acts in now."""
    if not request.user.is_authenticated:
        context = {"parts": front.front_page(), "contacts": front.CONTACTS}
        return render(request, "portal/front.html", context)
    if request.membership is None:
        record = getattr(request.user, "profile", None)
        if record is not None and record.status != ReviewStatus.APPROVED:
            return redirect("portal:my_registration")
        return render(request, "portal/no_role.html", status=403)
    return redirect("portal:role_home", role=request.membership.role)


@signed_in
def role_home(request, role):
    """The home page of `role`, for a user acting in it now (scoping.check_acting_as:
    404 for a word that names no role, 403 for another role)."""
    scoping.check_acting_as(request.membership, role)
    context = {"summary": selectors.home_summary(request.membership)}
    return render(request, f"portal/home_{role}.html", context)


@require_POST
@public
def elder_mode(request):
    """The header's switch of the elder-friendly mode: `on` is "1" or "0"; back to the
    page the switch was on (`next`, when it is a page of this site)."""
    target = request.POST.get("next", "")
    # A path of this site, never read as a view name (redirect("abc") would reverse it).
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    elder_mode_set(request=request, response=response, on=request.POST.get("on") == "1")
    return response


@require_POST
@signed_in
def role_switch(request):
    """Act in another of her own roles (`membership`, the id of one of them)."""
    form = SwitchRoleForm(request.POST)
    wanted = pk_or_none(form.data.get("membership")) if form.is_valid() else None
    membership = switch_role(request, wanted) if wanted is not None else None
    if membership is None:
        messages.error(request, _("That role is not one of yours."))
        return redirect("portal:home")
    messages.success(request, _("You now act as: %(role)s.") % {"role": membership})
    return redirect("portal:role_home", role=membership.role)


@public
def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers once an account is locked."""
    context = {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        # Set by portal.lockout.LockoutHandler: the address, not the account.
        "client_locked": getattr(request, "axes_client_locked", False),
    }
    return render(request, "registration/locked_out.html", context, status=429)


@never_cache
@public
def healthz(request):
    """Reachability of the database and Redis, and the study clock's flush
    and the parts apps register (portal.health.parts_status: learning's study clock
    is "degraded" when flushes stopped); 503 only
    when the database is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # any failure means the database is not usable
        database = f"error: {exc.__class__.__name__}"
    body = {"database": database, "redis": redis_status(), **parts_status()}
    return JsonResponse(body, status=200 if database == "ok" else 503)
