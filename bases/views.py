"""The pages of bases' trainings. Each view declares its guard (portal.roles), looks
its objects up in the actor's scope (bases.selectors), and hands every change to one
service (bases.services) through portal.actions; ids posted in forms are parsed with
portal.http.pk_or_none."""

from django.contrib import messages
from django.forms import model_to_dict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bases import selectors
from bases.forms import DecisionForm, TrainingFilterForm, TrainingForm
from bases.models import Trainee, Training
from bases.services import (
    EDITABLE,
    TraineeFileError,
    trainees_list,
    trainees_record,
    training_close,
    training_decide,
    training_enrol,
    training_propose,
)
from portal.actions import Refused, form_action, post_action
from portal.forms import XlsxUploadForm
from portal.http import pk_or_none
from portal.models import Role
from portal.pagination import page_with_total, query_without_page
from portal.roles import public, role_required
from portal.scoping import bases_visible_to, studies

# The roles that decide a base's trainings when they are its managing unit
# (portal.scoping.bases_managed_by says which bases).
DECIDERS = (Role.CITY_HR, Role.DEPARTMENT_ADMIN, Role.UNIT_HR)
READERS = (Role.BASE_STAFF, *DECIDERS, Role.PROVINCE_HR)
TRAINEES_PER_PAGE = 50


# -- public -----------------------------------------------------------------------------


@public
def public_list(request):
    """The active bases (level, name, managing unit, contact) with their open
    trainings: public, nothing about any trainee."""
    return render(request, "bases/public_list.html", {"bases": selectors.public_bases()})


@public
def public_training(request, pk):
    """An approved (or closed) training's public page: what it is, places left, and
    the enrolment button for a professional (a login link for a visitor)."""
    training = selectors.published_training(pk)
    context = {
        "training": training,
        "free_places": selectors.free_places(training),
        "open": selectors.open_for_enrolment(training),
        "studies": studies(request.membership),
        "enrolment": selectors.enrolment_of(request.user, training),
    }
    return render(request, "bases/public_training.html", context)


@require_POST
@role_required(Role.PROFESSIONAL)
def enrol(request, pk):
    """A professional enrols herself from the training's public page."""
    training = selectors.published_training(pk)
    return post_action(
        request,
        lambda: training_enrol(person=request.user, training=training),
        success=_("You are enrolled in the training."),
        redirect_to=("bases:public_training", pk),
    )


# -- base staff ---------------------------------------------------------------------------


@role_required(Role.BASE_STAFF, Role.PROVINCE_HR)
def trainings(request):
    """The trainings of the bases the actor sees (portal.scoping.bases_visible_to:
    base staff their base's, provincial HR every base's, read only), newest first,
    paginated, filtered by base, status and year; the button to propose one for
    those who run their base's trainings (selectors.runs_trainings)."""
    actor = request.membership
    runs = selectors.runs_trainings(actor)
    form = TrainingFilterForm(request.GET or None, bases=bases_visible_to(actor))
    if runs:
        del form.fields["base"]  # her own base's trainings only: nothing to choose
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    found = selectors.trainings_listed(
        actor,
        base=filters.get("base"),
        status=filters.get("status", ""),
        year=filters.get("year"),
    )
    query = query_without_page(request)
    context = {
        "page": page_with_total(found, 30, request.GET.get("page")),
        "form": form,
        "query": query,
        "runs": runs,
    }
    return render(request, "bases/trainings.html", context)


@role_required(Role.BASE_STAFF)
def training_edit(request, pk=None):
    """Propose a training of the base, or edit one awaiting approval or returned
    and propose it again (services.training_propose)."""
    actor = request.membership
    training = selectors.training_to_run(actor, pk) if pk is not None else None
    if training is not None and training.status not in EDITABLE:
        messages.error(request, _("Only a training awaiting approval or returned can be edited."))
        return redirect("bases:training", pk)
    base = actor.base
    initial = model_to_dict(training, fields=list(TrainingForm.base_fields)) if training else None
    form = TrainingForm(request.POST or None, initial=initial, fields=base.fields)
    done = form_action(
        request,
        form,
        lambda _data: training_propose(actor=actor, proposal=form.proposal(), training=training),
        success=_("Proposed; it waits for the approval of the base's managing unit."),
        redirect_to=lambda saved: ("bases:training", saved.pk),
    )
    if done:
        return done
    context = {"form": form, "training": training, "base": base}
    return render(request, "bases/training_edit.html", context)


@role_required(*READERS)
def training_detail(request, pk):
    """A training in scope: what it is, its status and the managing unit's decision;
    base staff get its trainees' page and closing, its managing unit the decision."""
    actor = request.membership
    training = selectors.training_for(actor, pk)
    context = {
        "training": training,
        "counts": selectors.trainee_counts(training),
        "runs": selectors.runs_trainings(actor),
        "lists": selectors.lists_trainings(actor),
        "decides": selectors.decides_trainings(actor, training),
        "approvable": selectors.approvable(training),
        "editable": training.status in EDITABLE,
    }
    return render(request, "bases/training.html", context)


def _posted_records(request) -> dict[int, tuple[bool, str]]:
    """{trainee id: (attended, result)} of the rows the trainees' page posted (the
    service ignores ids that are not of its training)."""
    attended = {pk_or_none(value) for value in request.POST.getlist("attended")}
    records = {}
    for value in request.POST.getlist("trainee"):
        pk = pk_or_none(value)
        if pk is not None:
            records[pk] = (pk in attended, request.POST.get(f"result-{pk}", ""))
    return records


@role_required(Role.BASE_STAFF)
def trainees(request, pk):
    """The training's trainees, paginated: attendance and result per trainee (a POST
    of the page's rows), and the list of trainees from a file (a POST with `file`)."""
    actor = request.membership
    training = selectors.training_to_run(actor, pk)
    upload_form = XlsxUploadForm()
    problems: list[str] = []
    here = request.get_full_path()
    if request.method == "POST" and request.POST.get("action") == "upload":
        upload_form = XlsxUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            try:
                listed = trainees_list(
                    actor=actor, training=training, upload=upload_form.cleaned_data["file"]
                )
            except TraineeFileError as error:
                problems = error.problems
            except Refused as error:
                upload_form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(added)s trainees listed; %(already)s were on the list already.")
                    % {"added": listed.added, "already": listed.already},
                )
                return redirect(here)
    elif request.method == "POST":
        return post_action(
            request,
            lambda: trainees_record(
                actor=actor,
                training=training,
                records=_posted_records(request),
            ),
            success=_("Saved."),
            redirect_to=here,
        )
    page = page_with_total(
        selectors.trainees_of(training), TRAINEES_PER_PAGE, request.GET.get("page")
    )
    context = {
        "training": training,
        "page": page,
        "results": Trainee.Result.choices,
        "recording": training.status == Training.Status.APPROVED,
        "upload_form": upload_form,
        "problems": problems,
        "counts": selectors.trainee_counts(training),
    }
    return render(request, "bases/trainees.html", context)


@role_required(Role.BASE_STAFF)
def training_close_view(request, pk):
    """The confirmation step (GET: who will be credited, how many hours each) and
    the closing itself (POST: services.training_close, once)."""
    actor = request.membership
    training = selectors.training_to_run(actor, pk)
    if request.method == "POST":
        return post_action(
            request,
            lambda: training_close(actor=actor, training=training),
            success=lambda posted: (
                _("The training is closed; hours were posted for %(count)s trainees.")
                % {"count": posted}
            ),
            redirect_to=("bases:training", pk),
        )
    context = {"training": training, "counts": selectors.trainee_counts(training)}
    return render(request, "bases/close_confirm.html", context)


@role_required(Role.BASE_STAFF)
def home_figures(request):
    """Home fragment (htmx): the base's trainings by status and people trained."""
    figures = selectors.staff_figures(request.membership)
    return render(request, "bases/_home_figures.html", {"figures": figures})


# -- the managing unit ----------------------------------------------------------------------


@role_required(*DECIDERS)
def approvals(request):
    """The managing unit's queue: trainings of the bases it manages awaiting its
    decision, and the ones it decided last."""
    return render(request, "bases/approvals.html", selectors.approval_queue(request.membership))


@require_POST
@role_required(*DECIDERS)
def training_decide_view(request, pk):
    """Approve or return (with a reason) a training of a base the actor manages;
    404 for any other."""
    actor = request.membership
    training = selectors.training_to_decide(actor, pk)
    form = DecisionForm(request.POST)
    return post_action(
        request,
        lambda data: training_decide(
            actor=actor,
            training=training,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        ),
        form=form,
        invalid=_("Choose to approve or to return the training."),
        success=lambda t: (
            _("Approved; the training is published.")
            if t.status == Training.Status.APPROVED
            else _("Returned to the base.")
        ),
        redirect_to="bases:approvals",
    )
