from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learning.forms import SessionForm
from learning.sessions import (
    ORGANISERS,
    SessionError,
    attendance_add,
    attendance_from_file,
    session_close,
    session_create,
    sessions_visible_to,
)
from portal import scoping
from portal.forms import XlsxUploadForm
from portal.models import Role
from portal.roles import role_required
from portal.tabular import TableError

TICK_LIST_LIMIT = 300


@role_required(*ORGANISERS)
def session_list(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create(actor=request.membership, **form.cleaned_data)
        except SessionError as error:
            form.add_error(None, str(error))
        else:
            return redirect("learning:session", pk=session.pk)
    sessions = sessions_visible_to(request.membership)[:100]
    return render(request, "learning/sessions.html", {"form": form, "sessions": sessions})


@role_required(*ORGANISERS)
def session_detail(request, pk):
    session = get_object_or_404(sessions_visible_to(request.membership), pk=pk)
    people = scoping.people_visible_to(request.membership)
    attending = set(session.attendance.values_list("person_id", flat=True))
    tick = None
    if request.membership.role == Role.UNIT_HR:  # a unit's staff fit on a page
        tick = people.order_by("real_name")[:TICK_LIST_LIMIT]
    context = {
        "session": session,
        "attendees": session.attendance.select_related("person").order_by("person__real_name"),
        "tick": tick,
        "attending": attending,
        "upload_form": XlsxUploadForm(),
        "problems": [],
    }
    if request.method == "POST":
        try:
            if "file" in request.FILES:
                form = XlsxUploadForm(request.POST, request.FILES)
                if form.is_valid():
                    context["problems"] = attendance_from_file(
                        session=session, upload=form.cleaned_data["file"], people=people
                    )
                else:
                    context["problems"] = [e for errors in form.errors.values() for e in errors]
            else:
                ids = [p for p in request.POST.getlist("person") if p.isdigit()]
                chosen = people.filter(pk__in=ids)
                attendance_add(session=session, people=chosen)
        except (SessionError, TableError) as error:
            context["problems"] = [str(error)]
        if not context["problems"]:
            messages.success(request, _("The attendance has been updated."))
            return redirect("learning:session", pk=pk)
    return render(request, "learning/session.html", context)


@require_POST
@role_required(*ORGANISERS)
def session_close_view(request, pk):
    session = get_object_or_404(sessions_visible_to(request.membership), pk=pk)
    try:
        posted = session_close(session=session, closed_by=request.user)
    except SessionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The session is closed; %(count)s attendees credited.") % {"count": posted}
        )
    return redirect("learning:session", pk=pk)
