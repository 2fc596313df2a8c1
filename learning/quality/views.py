"""The quality online public-course selection's pages: the teacher's and the base's
nominations, the association's review queue, provincial HR's confirmation, the
public list of a year's selected courses."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credits.selectors import default_year
from learning.catalog.selectors import published_courses
from learning.quality.forms import (
    BaseNominationForm,
    ConfirmForm,
    CourseSearchForm,
    NominationForm,
    QueueYearForm,
    ReviewForm,
    ShortlistForm,
)
from learning.quality.selectors import (
    association_queue,
    base_nominations,
    decided_by_province,
    nominable_courses,
    nominations_to_decide,
    selected_courses,
    shortlist_to_confirm,
)
from learning.quality.services import decide, decline, nominate, review, shortlist
from portal.actions import post_action
from portal.http import pk_or_404
from portal.models import Role
from portal.pagination import page_with_total, query_without_page
from portal.roles import public, role_required
from portal.scoping import bases_visible_to

COURSES_PER_PAGE = 30
NOMINATIONS_PER_PAGE = 20


@role_required(Role.PROFESSIONAL)
def course_nominate(request, pk):
    """The teacher puts her course forward: the year (empty: the default year) and,
    if she likes, the base she names (an active one)."""
    course = get_object_or_404(published_courses(), pk=pk, teacher=request.user)
    if request.method != "POST":
        form = NominationForm(initial={"year": default_year()})
        return render(request, "learning/quality_nominate.html", {"course": course, "form": form})
    return post_action(
        request,
        lambda data: nominate(
            course=course,
            year=data["year"] or default_year(),
            nominated_by=request.user,
            base=data["base"],
        ),
        form=NominationForm(request.POST),
        success=_("The course has been nominated."),
        redirect_to="learning:my_courses",
    )


@role_required(Role.BASE_STAFF)
def base_nominate(request):
    """A base's staff pick a course of the catalog (a published public subject with a
    teacher's account, offered in the year) and nominate it for their base; the page
    lists the base's nominations with their states."""
    base = get_object_or_404(bases_visible_to(request.membership))
    if request.method == "POST":
        return post_action(
            request,
            lambda data: nominate(
                course=data["course"],
                year=data["year"] or default_year(),
                nominated_by=request.user,
                base=base,
            ),
            form=BaseNominationForm(request.POST),
            success=_("The course has been nominated."),
            redirect_to="learning:quality_base",
        )
    this_year = default_year()
    search = CourseSearchForm(request.GET or None, initial={"year": this_year})
    data = search.cleaned_data if search.is_bound and search.is_valid() else {}
    year = data.get("year") or this_year
    courses = nominable_courses(year, data.get("q") or "")
    query = query_without_page(request)
    context = {
        "base": base,
        "year": year,
        "search": search,
        "page": page_with_total(courses, COURSES_PER_PAGE, request.GET.get("page")),
        "query": query,
        "nominations": base_nominations(base),
    }
    return render(request, "learning/quality_base.html", context)


def _queue_year(request) -> int:
    form = QueueYearForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return data.get("year") or default_year()


def _back_to_queue(nomination):
    return f"{reverse('learning:quality_queue')}?year={nomination.year}#nomination-{nomination.pk}"


@role_required(Role.ASSOCIATION)
def quality_queue(request):
    """The association's review queue for a year (?year=, default: the default year):
    the pending nominations with their courses, reviews and mean scores, each with
    the expert's own review form and the shortlist/decline buttons; below, those
    decided. Nominations and courses only — no person's hours or ID number."""
    year = _queue_year(request)
    queue = association_queue(year)
    query = query_without_page(request)
    page = page_with_total(queue["pending"], NOMINATIONS_PER_PAGE, request.GET.get("page"))
    for nomination in page:
        nomination.my_review = next(
            (r for r in nomination.reviews.all() if r.reviewer_id == request.user.pk), None
        )
    context = {
        "year": year,
        "page": page,
        "query": query,
        "decided": queue["decided"],
    }
    return render(request, "learning/quality_queue.html", context)


@require_POST
@role_required(Role.ASSOCIATION)
def quality_score(request, pk):
    """An expert scores a nomination (0–100) with a comment; again to change it."""
    nomination = get_object_or_404(nominations_to_decide(), pk=pk)
    return post_action(
        request,
        lambda data: review(
            nomination=nomination,
            reviewer=request.user,
            score=data["score"],
            comment=data["comment"],
        ),
        form=ReviewForm(request.POST),
        success=_("Your review has been saved."),
        redirect_to=_back_to_queue(nomination),
    )


@require_POST
@role_required(Role.ASSOCIATION)
def quality_shortlist(request, pk):
    """The association shortlists a reviewed nomination or declines it with a reason."""
    nomination = get_object_or_404(nominations_to_decide(), pk=pk)

    def act(data):
        if data["decision"] == "shortlist":
            return shortlist(nomination=nomination, shortlisted_by=request.user)
        return decline(nomination=nomination, reason=data["reason"], declined_by=request.user)

    return post_action(
        request,
        act,
        form=ShortlistForm(request.POST),
        success=_("Your decision has been recorded."),
        redirect_to=_back_to_queue(nomination),
    )


@role_required(Role.PROVINCE_HR)
def quality_review(request):
    """Provincial HR confirms the association's shortlist: selected (the teacher is
    credited 2 × the hours, once) or sent back declined with a reason."""
    if request.method == "POST":
        nomination = get_object_or_404(
            nominations_to_decide(), pk=pk_or_404(request.POST.get("nomination"))
        )
        return post_action(
            request,
            lambda data: decide(
                nomination=nomination,
                select=data["decision"] == "select",
                reason=data["reason"],
                decided_by=request.user,
            ),
            form=ConfirmForm(request.POST),
            success=_("Your decision has been recorded."),
            redirect_to="learning:quality_review",
        )
    context = {"shortlisted": shortlist_to_confirm(), "decided": decided_by_province()}
    return render(request, "learning/quality_review.html", context)


@public
def quality_list(request, year):
    """The courses selected in `year` (public)."""
    context = {"year": year, "selected": selected_courses(year)}
    return render(request, "learning/quality_list.html", context)
