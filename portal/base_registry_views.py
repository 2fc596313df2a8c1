"""Provincial HR's registry of continuing-education bases (portal.base_registry): the
list with its filters, a base's page, its record's form, the confirmation of a status
change, and its staff accounts; and the read-only list of the bases a managing unit
manages."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.actions import form_action, post_action
from portal.base_forms import BaseForm, BaseStaffForm, BaseStatusForm
from portal.base_registry import (
    base_save,
    base_set_status,
    base_staff_add,
    base_staff_of,
    base_staff_remove,
    bases_managed_list,
    get_kept_base_for,
    registry_bases,
    status_changes_of,
)
from portal.http import pk_or_404, pk_or_none
from portal.models import Base, City, Role
from portal.pagination import page_with_total
from portal.roles import role_required

BASES_PER_PAGE = 50
# What the base's page calls each status change (the button and the confirmation).
STATUS_VERBS = {
    Base.Status.ACTIVE: gettext_lazy("Reactivate"),
    Base.Status.SUSPENDED: gettext_lazy("Suspend"),
    Base.Status.REVOKED: gettext_lazy("Revoke"),
}


def _status_verbs(base: Base) -> list[tuple[str, str]]:
    return [(status, str(STATUS_VERBS[status])) for status in status_changes_of(base)]


@role_required(Role.PROVINCE_HR)
def bases(request):
    """Every base, national first, filtered by `level`, `status`, managing `city` (an
    id) and searched by name or the host's credit code (`q`); 50 a page."""
    level, status = request.GET.get("level", ""), request.GET.get("status", "")
    city = pk_or_none(request.GET.get("city"))
    search = request.GET.get("q", "").strip()[:100]
    found = registry_bases(
        request.membership, level=level, status=status, city_id=city, search=search
    )
    context = {
        "page": page_with_total(found, BASES_PER_PAGE, request.GET.get("page")),
        "q": search,
        "level": level,
        "status": status,
        "city": city,
        "levels": Base.Level.choices,
        "statuses": Base.Status.choices,
        "cities": City.objects.order_by("code"),
        "query": urlencode({"q": search, "level": level, "status": status, "city": city or ""}),
    }
    return render(request, "portal/bases.html", context)


@role_required(Role.PROVINCE_HR)
def base_create(request):
    """Register a base: BaseForm, saved by base_registry.base_save; then its page."""
    form = BaseForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda data: base_save(actor=request.membership, base_pk=None, **form.base_data()),
        success=lambda base: _("%(base)s is registered.") % {"base": base.name},
        redirect_to=lambda base: ("portal:base_detail", base.pk),
    )
    return done or render(request, "portal/base_form.html", {"form": form, "base": None})


@role_required(Role.PROVINCE_HR)
def base_detail(request, pk):
    """A base's record, its status (with the changes it may take), and its staff
    accounts with the buttons to add and remove one. 404 for an unknown base."""
    base = get_kept_base_for(request.membership, pk)
    context = {
        "base": base,
        "staff": base_staff_of(base),
        "status_verbs": _status_verbs(base),
    }
    return render(request, "portal/base_detail.html", context)


@role_required(Role.PROVINCE_HR)
def base_edit(request, pk):
    """Change a base's record (not its status: base_status)."""
    base = get_kept_base_for(request.membership, pk)
    form = BaseForm(request.POST or None, initial=BaseForm.initial_of(base))
    done = form_action(
        request,
        form,
        lambda data: base_save(actor=request.membership, base_pk=base.pk, **form.base_data()),
        success=lambda saved: _("The record of %(base)s is saved.") % {"base": saved.name},
        redirect_to=("portal:base_detail", base.pk),
    )
    return done or render(request, "portal/base_form.html", {"form": form, "base": base})


@role_required(Role.PROVINCE_HR)
def base_status(request, pk):
    """Confirm a change of a base's status: a GET with `to` (a status it may take now)
    shows what will change and asks the reason; a POST of BaseStatusForm changes it
    (base_registry.base_set_status) and returns to the base's page. 404 for an unknown
    base or a GET whose `to` is not a change it may take now."""
    base = get_kept_base_for(request.membership, pk)
    if request.method == "POST":
        form = BaseStatusForm(request.POST)
        wanted = request.POST.get("to", "")
    else:
        wanted = request.GET.get("to", "")
        if wanted not in status_changes_of(base):
            raise Http404
        form = BaseStatusForm(initial={"to": wanted})
    done = form_action(
        request,
        form,
        lambda data: base_set_status(
            actor=request.membership, base_pk=base.pk, status=data["to"], reason=data["reason"]
        ),
        success=lambda changed: (
            _("%(base)s is now “%(status)s”.")
            % {"base": changed.name, "status": changed.get_status_display()}
        ),
        redirect_to=("portal:base_detail", base.pk),
    )
    context = {
        "base": base,
        "form": form,
        "to": wanted if wanted in Base.Status.values else "",
        "verb": STATUS_VERBS.get(wanted, ""),
    }
    return done or render(request, "portal/base_status.html", context)


@role_required(Role.PROVINCE_HR)
def base_staff_new(request, pk):
    """Add a staff account to a base (BaseStaffForm, base_registry.base_staff_add): an
    existing account gains the role; a new one is created without a password, which
    its holder sets on 忘记密码 — the message says so."""
    base = get_kept_base_for(request.membership, pk)
    form = BaseStaffForm(request.POST or None)

    def said(result) -> str:
        membership, created = result
        if created:
            return _(
                "An account for %(name)s was created and made staff of %(base)s. She sets "
                "her password on the login page under “Forgot password”, with her ID card "
                "number and this mobile phone."
            ) % {"name": membership.user.real_name, "base": base.name}
        return _("%(name)s is now staff of %(base)s; she logs in with her existing account.") % {
            "name": membership.user.real_name,
            "base": base.name,
        }

    done = form_action(
        request,
        form,
        lambda data: base_staff_add(actor=request.membership, base_pk=base.pk, **form.staff_data()),
        success=said,
        redirect_to=("portal:base_detail", base.pk),
    )
    return done or render(request, "portal/base_staff_form.html", {"form": form, "base": base})


@require_POST
@role_required(Role.PROVINCE_HR)
def base_staff_delete(request, pk):
    """Take the base staff role (the `membership` posted, an id) from its holder; the
    button asks for confirmation first. Back to the base's page."""
    base = get_kept_base_for(request.membership, pk)
    membership_pk = pk_or_404(request.POST.get("membership"))
    return post_action(
        request,
        lambda: base_staff_remove(
            actor=request.membership, base_pk=base.pk, membership_pk=membership_pk
        ),
        success=lambda removed: (
            _("%(name)s is no longer staff of %(base)s.")
            % {"name": removed.user.real_name, "base": base.name}
        ),
        redirect_to=("portal:base_detail", base.pk),
    )


@role_required(Role.CITY_HR, Role.DEPARTMENT_ADMIN, Role.UNIT_HR)
def bases_managed(request):
    """The bases whose managing unit the user acts for (read only); 50 a page."""
    page = page_with_total(
        bases_managed_list(request.membership), BASES_PER_PAGE, request.GET.get("page")
    )
    return render(request, "portal/bases_managed.html", {"page": page})
