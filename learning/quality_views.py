from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.models import Course, QualityNomination
from learning.quality import SelectionError, decide, nominate
from learning.study import published_courses
from portal.models import Role
from portal.roles import role_required


@require_POST
@role_required(Role.PROFESSIONAL)
def course_nominate(request, pk):
    course = get_object_or_404(published_courses(), pk=pk, teacher=request.user)
    try:
        year = int(request.POST.get("year") or default_year())
        nominate(course=course, year=year, nominated_by=request.user)
    except (ValueError, SelectionError) as error:
        messages.error(request, str(error) if isinstance(error, SelectionError) else _("Bad year."))
    else:
        messages.success(request, _("The course has been nominated."))
    return redirect("learning:my_courses")


@role_required(Role.PROVINCE_HR)
def quality_review(request):
    if request.method == "POST":
        asked = request.POST.get("nomination", "")
        nomination = get_object_or_404(QualityNomination, pk=asked if asked.isdigit() else 0)
        try:
            decide(
                nomination=nomination,
                select=request.POST.get("decision") == "select",
                reason=request.POST.get("reason", ""),
                decided_by=request.user,
            )
        except SelectionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your decision has been recorded."))
        return redirect("learning:quality_review")
    nominations = QualityNomination.objects.select_related("course", "course__teacher")
    return render(
        request,
        "learning/quality_review.html",
        {
            "pending": nominations.filter(status=QualityNomination.Status.PENDING),
            "decided": nominations.exclude(status=QualityNomination.Status.PENDING)[:50],
        },
    )


def quality_list(request, year):
    selected = QualityNomination.objects.filter(
        year=year, status=QualityNomination.Status.SELECTED
    ).select_related("course")
    return render(request, "learning/quality_list.html", {"year": year, "selected": selected})


def courses_taught(user):
    return Course.objects.filter(teacher=user, status=Course.Status.PUBLISHED).prefetch_related(
        "nominations"
    )
