from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learning.sessions.forms import AttendanceFileForm, SessionForm
from learning.sessions.selectors import sessions_visible_to, tick_list
from learning.sessions.services import (
    ORGANISERS,
    attendance_add,
    session_close,
    session_create,
)
from portal import scoping
from portal.actions import form_action, post_action
from portal.http import pk_or_none
from portal.roles import role_required


@role_required(*ORGANISERS)
def session_list(request):
    form = SessionForm(request.POST or None)
    response = form_action(
        request,
        form,
        lambda data: session_create(actor=request.membership, **data),
        success=None,
        redirect_to=lambda session: ("learning:session", session.pk),
    )
    if response:
        return response
    sessions = sessions_visible_to(request.membership)[:100]
    return render(request, "learning/sessions.html", {"form": form, "sessions": sessions})


@role_required(*ORGANISERS)
def session_detail(request, pk):
    """An organiser's session: its attendees, the list upload (every row that cannot
    be taken is listed back, and nobody is added) and, for a unit HR, names to tick."""
    session = get_object_or_404(sessions_visible_to(request.membership), pk=pk)
    people = scoping.people_visible_to(request.membership)
    here, updated = ("learning:session", pk), _("The attendance has been updated.")
    uploaded = "file" in request.FILES
    upload_form = AttendanceFileForm(
        request.POST if uploaded else None, request.FILES if uploaded else None, people=people
    )

    def add(chosen):
        return attendance_add(session=session, people=chosen, added_by=request.user)

    if request.method == "POST" and not uploaded:  # the ticked names
        ids = [pk for value in request.POST.getlist("person") if (pk := pk_or_none(value))]
        chosen = people.filter(pk__in=ids)
        return post_action(request, lambda: add(chosen), success=updated, redirect_to=here)
    response = form_action(
        request, upload_form, lambda data: add(data["people"]), success=updated, redirect_to=here
    )
    if response:
        return response
    context = {
        "session": session,
        "attendees": session.attendance.select_related("person").order_by("person__real_name"),
        "tick": tick_list(request.membership, people),
        "attending": set(session.attendance.values_list("person_id", flat=True)),
        "upload_form": AttendanceFileForm(people=people) if uploaded else upload_form,
        "problems": [error for errors in upload_form.errors.values() for error in errors],
    }
    return render(request, "learning/session.html", context)


@require_POST
@role_required(*ORGANISERS)
def session_close_view(request, pk):
    session = get_object_or_404(sessions_visible_to(request.membership), pk=pk)
    return post_action(
        request,
        lambda: session_close(session=session, closed_by=request.user),
        success=lambda posted: (
            _("The session is closed; %(count)s attendees credited.") % {"count": posted}
        ),
        redirect_to=("learning:session", pk),
    )
