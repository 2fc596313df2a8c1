from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.catalog.selectors import published_courses
from learning.quality.forms import NominationForm
from learning.quality.models import QualityNomination
from learning.quality.selectors import nominations_to_review, selected_courses
from learning.quality.services import decide, nominate
from portal.actions import post_action
from portal.http import pk_or_404
from portal.models import Role
from portal.roles import public, role_required


@require_POST
@role_required(Role.PROFESSIONAL)
def course_nominate(request, pk):
    course = get_object_or_404(published_courses(), pk=pk, teacher=request.user)
    return post_action(
        request,
        lambda data: nominate(
            course=course, year=data["year"] or default_year(), nominated_by=request.user
        ),
        form=NominationForm(request.POST),
        invalid=_("Bad year."),
        success=_("The course has been nominated."),
        redirect_to="learning:my_courses",
    )


@role_required(Role.PROVINCE_HR)
def quality_review(request):
    nominations = nominations_to_review()
    if request.method == "POST":
        nomination = get_object_or_404(nominations, pk=pk_or_404(request.POST.get("nomination")))
        return post_action(
            request,
            lambda: decide(
                nomination=nomination,
                select=request.POST.get("decision") == "select",
                reason=request.POST.get("reason", ""),
                decided_by=request.user,
            ),
            success=_("Your decision has been recorded."),
            redirect_to="learning:quality_review",
        )
    return render(
        request,
        "learning/quality_review.html",
        {
            "pending": nominations.filter(status=QualityNomination.Status.PENDING),
            "decided": nominations.exclude(status=QualityNomination.Status.PENDING)[:50],
        },
    )


@public
def quality_list(request, year):
    """The courses selected in `year` (public)."""
    context = {"year": year, "selected": selected_courses(year)}
    return render(request, "learning/quality_list.html", context)
