"""Pages of the ledger. Each view declares its guard (portal.roles), fetches through
the scoping layer (portal.scoping, credits.selectors), and hands a POST to one
service through portal.actions (form_action for a form page, post_action for a
button): refusals (portal.actions.Refused) are shown, nothing else is caught."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from credits import exports, hours_cache, selectors
from credits.achievements import achievements_of
from credits.declarations import (
    declaration_create,
    declaration_review,
    review_hours_proposal,
)
from credits.eligibility import bulk_eligibility, default_period, eligibility_check
from credits.forms import (
    DeclarationForm,
    PeriodForm,
    ReversalForm,
    ReviewForm,
    StaffFilterForm,
    YearForm,
)
from credits.models import ActivityKind, YearRule
from credits.offline_jobs import offline_file_receive
from credits.offline_upload import upload_confirm
from credits.services import credit_reverse
from portal import scoping
from portal.actions import form_action, post_action
from portal.downloads import download_response
from portal.forms import CorrectionForm, XlsxUploadForm
from portal.models import Role
from portal.pagination import query_without_page
from portal.roles import role_required
from portal.selectors import holds_roles_elsewhere, name_or_id_number_q
from portal.xlsx import xlsx_file_response, xlsx_response

HR_ROLES = (Role.UNIT_HR, Role.CITY_HR, Role.DEPARTMENT_ADMIN, Role.PROVINCE_HR)
# City and provincial HR review declarations no HR officer of the unit can review.
REVIEWER_ROLES = (Role.UNIT_HR, Role.CITY_HR, Role.PROVINCE_HR, Role.DEPARTMENT_ADMIN)
ENTRIES_PER_PAGE = hours_cache.ENTRIES_PER_PAGE  # one page size for every ledger list
STAFF_PER_PAGE = 50


def _selected_year(request, rules=None) -> int:
    """The year asked for if it has a rule, else the default year. Given the rules
    (selectors.rules_by_year()), without asking the database again."""
    form = YearForm(request.GET or None)
    if rules is not None:
        form.fields["year"].choices = [(y, f"{y}") for y in sorted(rules, reverse=True)]
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return selectors.default_year(rules)


def _ledger_page(request, person, year):
    entries = selectors.ledger_entries(person, year)
    return Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))


def _history(person):
    rules = selectors.rules_by_year()
    return selectors.year_statuses(person, sorted(rules), rules)


# -- the professional --------------------------------------------------------------


@role_required(Role.PROFESSIONAL)
def my_hours(request):
    """我的学时: the professional's status in the year asked for (?year=, a ruled
    year; else the default year), the history of every ruled year as a table and a
    chart, and the year's ledger entries, 50 a page (?page=; anything that is not a
    page shows page 1, a page past the end the last one). At most 5 queries: the
    body is cached per state of the person's ledger (credits.hours_cache)."""
    # Read on every load, in one query: a changed rule or a new entry shows at once.
    read = selectors.rules_and_totals(request.user)
    year = _selected_year(request, read[0])
    body = hours_cache.hours_body(
        request.user, year=year, page_number=request.GET.get("page"), read=read
    )
    return render(request, "credits/my_hours.html", {"year": year, "body": body})


@role_required(Role.PROFESSIONAL)
def my_hours_export(request):
    person = request.user
    return xlsx_response(
        _("continuing-education-record-%(name)s.xlsx") % {"name": person.real_name},
        exports.person_record_sheets(person, _history(person)),
        fallback="continuing-education-record.xlsx",
    )


@role_required(Role.PROFESSIONAL)
def declaration_list(request):
    declarations = selectors.declarations_visible_to(request.membership)
    page = Paginator(declarations, 20).get_page(request.GET.get("page"))
    return render(request, "credits/declaration_list.html", {"page": page})


@role_required(Role.PROFESSIONAL)
def declaration_new(request):
    if not hasattr(request.user, "profile"):
        raise Http404
    form = DeclarationForm(request.POST or None, request.FILES or None)
    response = form_action(
        request,
        form,
        lambda data: declaration_create(
            person=request.user,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            quantity=data["quantity"],
            with_bonus=data["with_bonus"],
            description=data["description"],
            evidence_files=data["evidence"],
        ),
        success=lambda declaration: (
            _("Your declaration has been submitted. %(reviewer)s.")
            % {"reviewer": declaration.awaited_reviewer}
        ),
        redirect_to=lambda declaration: ("credits:declaration_detail", declaration.pk),
    )
    kinds = ActivityKind.objects.filter(active=True)
    return response or render(
        request, "credits/declaration_form.html", {"form": form, "kinds": kinds}
    )


def _declaration_for(request, pk):
    return get_object_or_404(selectors.declarations_visible_to(request.membership), pk=pk)


@role_required(Role.PROFESSIONAL, *HR_ROLES)
def declaration_detail(request, pk):
    declaration = _declaration_for(request, pk)
    may_see_evidence = (
        selectors.evidence_declarations_visible_to(request.membership)
        .filter(pk=declaration.pk)
        .exists()
    )
    context = {
        "declaration": declaration,
        "reviews": declaration.reviews.select_related("reviewer"),
        "evidence": declaration.evidence.all() if may_see_evidence else [],
        "evidence_hidden": not may_see_evidence,
    }
    return render(request, "credits/declaration_detail.html", context)


@role_required(Role.PROFESSIONAL, *REVIEWER_ROLES)
def evidence_download(request, pk, evidence_pk):
    declaration = get_object_or_404(
        selectors.evidence_declarations_visible_to(request.membership), pk=pk
    )
    evidence = get_object_or_404(declaration.evidence, pk=evidence_pk)
    return download_response(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=False,
        filename=evidence.original_name,
        fallback=f"evidence-{evidence.pk}.{evidence.original_name.rpartition('.')[2]}",
    )


# -- reviewers ---------------------------------------------------------------------


@role_required(*REVIEWER_ROLES)
def review_queue(request):
    queue = selectors.review_queue(request.membership)
    page = Paginator(queue, 20).get_page(request.GET.get("page"))
    return render(request, "credits/review_queue.html", {"page": page})


@role_required(*REVIEWER_ROLES)
def review_detail(request, pk):
    declaration = get_object_or_404(selectors.review_queue(request.membership), pk=pk)
    proposal = review_hours_proposal(declaration)
    form = ReviewForm(request.POST or None, initial={"hours": proposal.hours})
    response = form_action(
        request,
        form,
        lambda data: declaration_review(
            declaration=declaration,
            reviewer=request.user,
            level=selectors.review_level(request.membership),
            approve=data["decision"] == "approve",
            hours=data["hours"],
            reason=data["reason"],
        ),
        success=_("Your decision has been recorded."),
        redirect_to="credits:review_queue",
    )
    if response:
        return response
    context = {
        "declaration": declaration,
        "form": form,
        "reviews": declaration.reviews.select_related("reviewer"),
        "evidence": declaration.evidence.all(),
        "cap_left": proposal.left,
        "proposal": proposal,
    }
    return render(request, "credits/review_detail.html", context)


# -- unit HR: staff, people, offline hours -------------------------------------------


def _staff(request):
    form = StaffFilterForm(request.GET or None, initial={"year": selectors.default_year()})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year = data.get("year") or selectors.default_year()
    rule = YearRule.objects.filter(year=year).first()
    people = scoping.people_visible_to(request.membership)
    if data.get("series"):
        people = people.filter(profile__title_series=data["series"])
    if data.get("level"):
        people = people.filter(profile__title_level=data["level"])
    if data.get("q"):
        people = people.filter(name_or_id_number_q(data["q"]))
    if rule is None:
        raise Http404
    people = selectors.staff_compliance(people, year, rule, data.get("status", ""))
    return form, year, rule, people.order_by("real_name", "id")


@role_required(Role.UNIT_HR)
def staff_list(request):
    form, year, rule, people = _staff(request)
    page = Paginator(people, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    query = query_without_page(request)
    context = {"form": form, "year": year, "rule": rule, "page": page, "query": query}
    return render(request, "credits/staff_list.html", context)


@role_required(Role.UNIT_HR)
def staff_export(request):
    _form, year, rule, people = _staff(request)
    return xlsx_response(
        _("staff-hours-%(year)s.xlsx") % {"year": year},
        exports.staff_sheets(people, year, rule),
        fallback=f"staff-hours-{year}.xlsx",
    )


@role_required(*HR_ROLES)
def person_detail(request, pk):
    person = scoping.get_person_for(request.membership, pk)
    year = _selected_year(request)
    history = _history(person)
    reversible = set(
        selectors.reversible_entries(request.membership)
        .filter(person=person, year=year)
        .values_list("pk", flat=True)
    )
    context = {
        "person": person,
        "year": year,
        "years": [s.year for s in reversed(history)],
        "status": selectors.year_status(person, year),
        "history": history,
        "page": _ledger_page(request, person, year),
        "query": f"year={year}",
        "reversible": reversible,
        "full_id": scoping.sees_full_id_numbers(request.membership),
        "manages": selectors.manages_person(request.membership, person),
    }
    if context["manages"]:  # her account's buttons and the correction of her details
        initial = {"real_name": person.real_name, **CorrectionForm.initial_of(person.profile)}
        context["correction_form"] = CorrectionForm(initial=initial)
        context["account_shared"] = holds_roles_elsewhere(
            person=person, unit_id=request.membership.unit_id
        )
    return render(request, "credits/person_detail.html", context)


@role_required(Role.UNIT_HR)
def past_staff_detail(request, pk):
    """What a unit still reads of someone who transferred out: the years she worked
    there, up to the moment she left."""
    person = scoping.get_past_staff_for(request.membership, pk)
    years = selectors.past_staff_years(request.membership, person)
    year = _selected_year(request)
    if years and year not in {y["year"] for y in years}:
        year = years[0]["year"]
    entries = selectors.with_reversal(
        selectors.entries_visible_to(request.membership).filter(person=person, year=year)
    )
    context = {
        "person": person,
        "years": years,
        "year": year,
        "page": Paginator(entries.order_by("-recorded_at", "-id"), ENTRIES_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "query": f"year={year}",
        "full_id": scoping.sees_full_id_numbers(request.membership),
    }
    return render(request, "credits/past_staff_detail.html", context)


@role_required(Role.UNIT_HR, Role.PROVINCE_HR)
def entry_reverse(request, pk):
    entry = get_object_or_404(
        selectors.reversible_entries(request.membership).select_related("person"), pk=pk
    )
    form = ReversalForm(request.POST or None)
    person_page = reverse("credits:person_detail", kwargs={"pk": entry.person_id})
    response = form_action(
        request,
        form,
        lambda data: credit_reverse(
            entry=entry,
            reason=data["reason"],
            reversed_by=request.user,
            recorded_unit=request.membership.unit,
        ),
        success=_("The entry has been reversed."),
        redirect_to=f"{person_page}?year={entry.year}",
    )
    return response or render(
        request, "credits/reverse_confirm.html", {"entry": entry, "form": form}
    )


@role_required(Role.UNIT_HR)
def offline_upload(request):
    """线下学时上传: a file read in the request shows its preview, or its row messages
    here; a large one is read on a worker, whose page polls (offline_job)."""
    form = XlsxUploadForm(request.POST or None, request.FILES or None)

    def page(problems=()):
        context = {
            "form": form,
            "errors": problems,
            "recent": selectors.offline_uploads_visible_to(request.membership)[:10],
        }
        return render(request, "credits/offline_upload.html", context)

    def after(intake):
        if intake.job:
            return redirect("credits:offline_job", pk=intake.job.pk)
        if intake.preview:
            return redirect("credits:offline_preview", pk=intake.preview.pk)
        return page(intake.problems)  # refused for its rows: nothing was kept

    response = form_action(
        request,
        form,
        lambda data: offline_file_receive(upload=data["file"], actor=request.membership),
        success=None,
        redirect_to=after,
    )
    return response or page()


@role_required(Role.UNIT_HR)
def offline_preview(request, pk):
    stored = get_object_or_404(selectors.offline_uploads_visible_to(request.membership), pk=pk)
    if request.method == "POST":
        return post_action(
            request,
            lambda: upload_confirm(
                stored=stored,
                confirmed_by=request.user,
                people=scoping.people_visible_to(request.membership),
            ),
            success=lambda confirmed: (
                _("%(posted)s rows credited; %(duplicates)s had been credited before.")
                % {"posted": confirmed.posted, "duplicates": confirmed.duplicates}
            ),
            redirect_to=("credits:offline_preview", stored.pk),
        )
    return render(request, "credits/offline_preview.html", {"upload": stored})


@role_required(Role.UNIT_HR)
def offline_job(request, pk):
    """A large file being read on a worker: the page polls until its preview is ready."""
    job = get_object_or_404(selectors.offline_jobs_visible_to(request.membership), pk=pk)
    if job.upload_id:
        url = reverse("credits:offline_preview", kwargs={"pk": job.upload_id})
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"job": job, "poll_url": request.path}
    if request.htmx:
        return render(request, "credits/_offline_job_progress.html", context)
    return render(request, "credits/offline_job.html", context)


# -- title-evaluation eligibility ----------------------------------------------------


def _eligibility(request, person):
    start, end = default_period(person)
    form = PeriodForm(request.GET or None, initial={"start_year": start, "end_year": end})
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start_year"], form.cleaned_data["end_year"]
        else:
            return form, None
    return form, eligibility_check(person, start, end)


@role_required(Role.PROFESSIONAL, *HR_ROLES)
def eligibility(request, pk):
    # people_visible_to gives a professional herself alone: anybody else is a 404.
    person = scoping.get_person_for(request.membership, pk)
    form, result = _eligibility(request, person)
    context = {
        "person": person,
        "form": form,
        "result": result,
        # Her selected quality courses and the like, as a statement would state them.
        "achievements": achievements_of(person),
    }
    return render(request, "credits/eligibility.html", context)


@role_required(*HR_ROLES)
def eligibility_bulk(request):
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    response = form_action(
        request,
        form,
        lambda data: bulk_eligibility(
            data["file"],
            scoping.people_visible_to(request.membership),
            full_ids=scoping.sees_full_id_numbers(request.membership),
        ),
        success=None,
        redirect_to=lambda content: xlsx_file_response(
            content, filename=_("eligibility.xlsx"), fallback="eligibility.xlsx"
        ),
    )
    return response or render(request, "credits/eligibility_bulk.html", {"form": form})
