"""Provincial HR's page of self-evaluating units (职称自主评聘单位): the list of units
with a search, and the confirmation page that marks or unmarks one."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.actions import form_action
from portal.forms import DateInput
from portal.models import Role
from portal.pagination import page_with_total
from portal.roles import role_required
from portal.self_evaluation import (
    get_markable_unit_for,
    self_evaluation_units,
    unit_set_self_evaluating,
)

UNITS_PER_PAGE = 50


class SelfEvaluatingForm(forms.Form):
    """Mark ("1") or unmark ("0") a unit; the date it is self-evaluating from."""

    on = forms.TypedChoiceField(
        label=gettext_lazy("Change"),
        choices=[
            ("1", gettext_lazy("Mark as a self-evaluating unit")),
            ("0", gettext_lazy("No longer a self-evaluating unit")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    since = forms.DateField(
        label=gettext_lazy("Self-evaluating since"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("Empty: today."),
    )


@role_required(Role.PROVINCE_HR)
def self_evaluating_units(request):
    """Every unit, self-evaluating ones first, searched by name or credit code (`q`),
    only the self-evaluating ones with `marked=1`; 50 a page."""
    search = request.GET.get("q", "").strip()
    marked_only = request.GET.get("marked") == "1"
    units = self_evaluation_units(request.membership, search=search, marked_only=marked_only)
    context = {
        "page": page_with_total(units, UNITS_PER_PAGE, request.GET.get("page")),
        "q": search,
        "marked": marked_only,
        "query": urlencode({"q": search, "marked": "1" if marked_only else ""}),
    }
    return render(request, "portal/self_evaluating_units.html", context)


@role_required(Role.PROVINCE_HR)
def self_evaluating_unit(request, pk):
    """Confirm marking (or unmarking) the unit `pk`: a GET shows what will change, a
    POST of SelfEvaluatingForm changes it (portal.self_evaluation) and returns to the
    list. 404 for a unit that does not exist."""
    unit = get_markable_unit_for(request.membership, pk)
    form = SelfEvaluatingForm(
        request.POST or None, initial={"on": "0" if unit.is_self_evaluating else "1"}
    )
    done = form_action(
        request,
        form,
        lambda data: unit_set_self_evaluating(
            actor=request.membership, unit_pk=unit.pk, on=data["on"], since=data["since"]
        ),
        success=lambda changed: (
            (
                _("%(unit)s is now a self-evaluating unit.")
                if changed.is_self_evaluating
                else _("%(unit)s is no longer a self-evaluating unit.")
            )
            % {"unit": changed.name}
        ),
        redirect_to="portal:self_evaluating_units",
    )
    return done or render(request, "portal/self_evaluating_unit.html", {"unit": unit, "form": form})
