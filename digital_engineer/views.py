from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates.models import RevocationCategory
from certificates.registry import revocation_category_label
from certificates.services import document_stored
from credits.services import LedgerError
from digital_engineer.forms import (
    CityPlanForm,
    ClassForm,
    EnrolForm,
    SummaryForm,
    standard_formset,
    target_formset,
)
from digital_engineer.models import (
    Approval,
    CityPlan,
    Direction,
    Level,
    RosterFiling,
    Standard,
    Trainee,
    TrainingCertificate,
    level_rank,
)
from digital_engineer.services import (
    ProgrammeError,
    approval_set,
    certificate_revoke,
    class_close,
    class_comment,
    class_open,
    class_state,
    classes_visible_to,
    filing_decide,
    filing_submit,
    holders_visible_to,
    institution_overview,
    institution_set_status,
    plan_progress,
    records_from_file,
    roster_board,
    roster_state,
    rosters_due_soon,
    trainee_enrol,
    trainee_record,
    training_certificate_render_request,
    training_certificates_visible_to,
)
from portal import scoping
from portal.audit import audit_log
from portal.downloads import download_response
from portal.forms import XlsxUploadForm
from portal.identity import mask_id_number
from portal.models import Role
from portal.roles import role_required
from portal.tabular import TableError
from portal.xlsx import xlsx_response

VIEWERS = (Role.INSTITUTION_STAFF, Role.CITY_HR, Role.PROVINCE_HR)


@role_required(*VIEWERS)
def class_list(request):
    actor = request.membership
    form = ClassForm(request.POST or None) if actor.role == Role.INSTITUTION_STAFF else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            klass = class_open(
                institution=actor.institution, opened_by=request.user, **form.cleaned_data
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            return redirect("digital_engineer:class", pk=klass.pk)
    today = timezone.localdate()
    classes = [class_state(klass, today) for klass in classes_visible_to(actor)[:200]]
    return render(request, "digital_engineer/classes.html", {"form": form, "classes": classes})


def _class_for(request, pk):
    return get_object_or_404(classes_visible_to(request.membership), pk=pk)


@role_required(*VIEWERS)
def class_detail(request, pk):
    klass = _class_for(request, pk)
    staff = request.membership.role == Role.INSTITUTION_STAFF
    filing = getattr(klass, "filing", None)
    context = {
        "klass": klass,
        "staff": staff,
        "trainees": klass.trainees.select_related("person", "certificate", "training_class"),
        "enrol_form": EnrolForm(),
        # A returned filing comes back with the summary filed, to be corrected.
        "summary_form": SummaryForm(initial={"summary": filing.summary if filing else ""}),
        "filing": filing,
        "roster": roster_state(klass, timezone.localdate()),
        "class_state": class_state(klass, timezone.localdate()),
        "comments": klass.comments.select_related("author"),
    }
    return render(request, "digital_engineer/class.html", context)


@require_POST
@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def class_comment_view(request, pk):
    klass = _class_for(request, pk)
    try:
        class_comment(
            actor=request.membership, training_class=klass, text=request.POST.get("text", "")
        )
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("digital_engineer:class", pk=pk)


@require_POST
@role_required(Role.INSTITUTION_STAFF)
def class_action(request, pk, action):
    klass = _class_for(request, pk)
    try:
        if action == "enrol":
            form = EnrolForm(request.POST)
            if not form.is_valid():
                raise ProgrammeError(_("Enter the trainee's ID card number and name."))
            trainee_enrol(training_class=klass, **form.cleaned_data)
        elif action == "record":
            trainee = get_object_or_404(
                Trainee, training_class=klass, pk=request.POST.get("trainee")
            )

            def number(name):
                value = request.POST.get(name, "").strip()
                if not value:
                    return None
                try:
                    return int(value)
                except ValueError:
                    raise ProgrammeError(_("Enter whole numbers.")) from None

            trainee_record(
                trainee=trainee,
                theory_attended=number("theory_attended") or 0,
                practice_attended=number("practice_attended") or 0,
                theory_score=number("theory_score"),
                practice_score=number("practice_score"),
            )
        elif action == "upload":
            form = XlsxUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ProgrammeError(" ".join(e for errors in form.errors.values() for e in errors))
            try:
                problems = records_from_file(training_class=klass, upload=form.cleaned_data["file"])
            except TableError as error:
                raise ProgrammeError(str(error)) from None
            if problems:
                raise ProgrammeError("；".join(str(p) for p in problems[:20]))
        elif action == "close":
            class_close(training_class=klass, closed_by=request.user)
        elif action == "file":
            form = SummaryForm(request.POST)
            filing_submit(
                filing=get_object_or_404(RosterFiling, training_class=klass),
                summary=form.data.get("summary", ""),
                submitted_by=request.user,
            )
        else:
            raise ProgrammeError(_("Unknown action."))
    except (ProgrammeError, LedgerError) as error:
        # Only refusals written for the user: any other error is a fault to see in
        # the logs, not "请输入整数" on a form that asked for no number.
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("digital_engineer:class", pk=pk)


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def filing_board(request):
    today = timezone.localdate()
    if request.method == "POST":
        filing = get_object_or_404(
            RosterFiling.objects.filter(training_class__in=classes_visible_to(request.membership)),
            pk=request.POST.get("filing"),
        )
        try:
            filing_decide(
                filing=filing,
                acknowledge=request.POST.get("decision") == "acknowledge",
                reason=request.POST.get("reason", ""),
                decided_by=request.user,
            )
        except ProgrammeError as error:
            messages.error(request, str(error))
        return redirect("digital_engineer:board")
    rows = roster_board(request.membership, today)
    return render(request, "digital_engineer/board.html", {"rows": rows})


@role_required(Role.INSTITUTION_STAFF, Role.PROFESSIONAL, Role.PROVINCE_HR)
def certificate_pdf(request, pk):
    """The stored PDF, which the worker renders after the class closes; until it is
    there, a page that says so (and queues the rendering again, in case the first
    task was lost, at most once every few minutes)."""
    certificate = get_object_or_404(training_certificates_visible_to(request.membership), pk=pk)
    if certificate.render_blocked:  # no font draws part of it: flagged for provincial HR
        return render(
            request,
            "certificates/pdf_pending.html",
            {"serial": certificate.serial, "blocked": certificate.render_blocked},
            status=409,
        )
    if not document_stored(certificate):
        training_certificate_render_request(certificate)
        return render(
            request, "certificates/pdf_pending.html", {"serial": certificate.serial}, status=202
        )
    return download_response(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        filename=_("training-certificate-%(serial)s.pdf") % {"serial": certificate.serial},
        fallback=f"{certificate.serial}.pdf",
    )


def verify(request, code):
    certificate = get_object_or_404(
        TrainingCertificate.objects.select_related("trainee__person", "trainee__training_class"),
        verification_code=code,
    )
    context = {
        "c": certificate,
        "klass": certificate.trainee.training_class,
        "masked_id": mask_id_number(certificate.trainee.person.id_number),
        "category": revocation_category_label(certificate) if certificate.revoked_at else "",
    }
    return render(request, "digital_engineer/verify.html", context)


def _posted_institution(request):
    asked = request.POST.get("institution", "")
    return get_object_or_404(
        scoping.institutions_visible_to(request.membership), pk=asked if asked.isdigit() else 0
    )


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def supervision(request):
    if request.method == "POST":
        institution = _posted_institution(request)
        try:
            institution_set_status(
                actor=request.membership,
                institution=institution,
                suspend=request.POST.get("action") == "suspend",
            )
        except ProgrammeError as error:
            messages.error(request, str(error))
        return redirect("digital_engineer:supervision")
    rows = institution_overview(request.membership)
    return render(request, "digital_engineer/supervision.html", {"rows": rows})


@role_required(Role.PROVINCE_HR)
def catalogue(request):
    """The two catalogues, kept by provincial HR: institutions with their approved
    directions and levels, and the subsidy standards."""
    standards = standard_formset()(
        request.POST if request.POST.get("action") == "standards" else None,
        queryset=Standard.objects.order_by("direction", level_rank()),
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "standards":
            if standards.is_valid():
                standards.save()
                audit_log(actor=request.user, action="digital_engineer.standards.changed")
                messages.success(request, _("Saved."))
                return redirect("digital_engineer:catalogue")
            messages.error(request, _("Please correct the errors below."))
        else:
            institution = _posted_institution(request)
            try:
                if action == "list":
                    institution_set_status(
                        actor=request.membership, institution=institution, suspend=False
                    )
                elif action in ("approve", "withdraw"):
                    approval_set(
                        actor=request.membership,
                        institution=institution,
                        direction=request.POST.get("direction", ""),
                        level=request.POST.get("level", ""),
                        approved=action == "approve",
                    )
                else:
                    raise ProgrammeError(_("Unknown action."))
            except ProgrammeError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Saved."))
            return redirect("digital_engineer:catalogue")
    institutions = (
        scoping.institutions_visible_to(request.membership)
        .select_related("state", "city")
        .prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.order_by("direction", level_rank()))
        )
        .order_by("name")
    )
    page = Paginator(institutions, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "standards": standards,
        "directions": Direction.choices,
        "levels": Level.choices,
    }
    return render(request, "digital_engineer/catalogue.html", context)


@role_required(Role.INSTITUTION_STAFF)
def due_soon(request):
    """Home fragment: this institution's filings due within seven days (or overdue)."""
    rows = rosters_due_soon(request.membership, timezone.localdate())
    return render(request, "digital_engineer/_due_soon.html", {"rows": rows})


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def holders(request):
    certificates = holders_visible_to(request.membership).order_by("-issued_at")
    if request.method == "POST":
        asked = request.POST.get("certificate", "")
        certificate = get_object_or_404(certificates, pk=asked if asked.isdigit() else 0)
        try:
            if request.POST.get("action") == "revoke":
                if request.membership.role != Role.PROVINCE_HR:
                    raise ProgrammeError(_("Only provincial HR revokes certificates."))
                certificate_revoke(
                    certificate=certificate,
                    category=request.POST.get("category", ""),
                    reason=request.POST.get("reason", ""),
                    revoked_by=request.user,
                )
            else:  # the holder asked for title evaluation or recognition service
                certificate.service_requested_at = (
                    None if certificate.service_requested_at else timezone.now()
                )
                certificate.save(update_fields=["service_requested_at"])
        except ProgrammeError as error:
            messages.error(request, str(error))
        return redirect("digital_engineer:holders")
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                c.serial,
                c.trainee.person.real_name,
                c.trainee.person.id_number,
                c.trainee.training_class.get_direction_display(),
                c.trainee.training_class.get_level_display(),
                c.trainee.training_class.institution.name,
                "已撤销" if c.revoked_at else "有效",
                "是" if c.service_requested_at else "",
            ]
            for c in certificates
        )
        headers = [
            "证书编号",
            "姓名",
            "身份证号",
            "方向",
            "等级",
            "培训机构",
            "状态",
            "申请职称服务",
        ]
        return xlsx_response(
            _("digital-engineer-holders.xlsx"),
            [(_("Holders"), headers, rows)],
            fallback="digital-engineer-holders.xlsx",
        )
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    context = {"page": page, "categories": RevocationCategory.choices}
    return render(request, "digital_engineer/holders.html", context)


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def city_plans(request):
    plans = CityPlan.objects.filter(city__in=scoping.cities_visible_to(request.membership))
    plans = plans.select_related("city").order_by("-year", "city__code")
    return render(request, "digital_engineer/city_plans.html", {"plans": plans})


@role_required(Role.CITY_HR)
def city_plan_edit(request, pk=None):
    city = request.membership.city
    plan = get_object_or_404(CityPlan, pk=pk, city=city) if pk else CityPlan(city=city)
    form = CityPlanForm(request.POST or None, instance=plan)
    targets = target_formset()(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        if CityPlan.objects.filter(city=city, year=form.cleaned_data["year"]).exclude(pk=plan.pk):
            form.add_error("year", _("Your city has a plan for this year already."))
        else:
            plan = form.save()
            targets.instance = plan
            targets.save()
            messages.success(request, _("Saved."))
            return redirect("digital_engineer:city_plan", pk=plan.pk)
    context = {"plan": plan, "form": form, "targets": targets}
    return render(request, "digital_engineer/city_plan_edit.html", context)


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def city_plan(request, pk):
    plan = get_object_or_404(
        CityPlan.objects.filter(city__in=scoping.cities_visible_to(request.membership)), pk=pk
    )
    return render(
        request, "digital_engineer/city_plan.html", {"plan": plan, "rows": plan_progress(plan)}
    )
