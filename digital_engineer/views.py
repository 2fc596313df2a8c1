"""The programme's pages. Each view declares its guard (portal.roles), looks its
objects up in the actor's scope (digital_engineer.selectors), and hands every change
to one service (digital_engineer.services) through portal.actions' form_action or
post_action; ids posted in forms are parsed with portal.http.pk_or_404."""

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates.models import RevocationCategory
from certificates.pdf_views import stored_pdf_response
from certificates.registry import revocation_category_label
from digital_engineer import selectors
from digital_engineer.forms import (
    CityPlanForm,
    ClassForm,
    EnrolForm,
    RecordForm,
    SummaryForm,
    standard_formset,
    target_formset,
)
from digital_engineer.models import Direction, Level
from digital_engineer.services import (
    catalogue_change,
    certificate_service_toggle,
    city_plan_save,
    class_close,
    class_comment,
    class_open,
    filing_decide,
    filing_submit,
    holder_certificate_revoke,
    institution_set_status,
    records_upload,
    standards_save,
    trainee_enrol,
    trainee_record,
    training_certificate_render_request,
)
from portal.actions import form_action, post_action
from portal.forms import XlsxUploadForm
from portal.http import pk_or_404
from portal.identity import mask_id_number
from portal.models import Role
from portal.roles import public, role_required
from portal.xlsx import xlsx_response

VIEWERS = (Role.INSTITUTION_STAFF, Role.CITY_HR, Role.PROVINCE_HR)


@role_required(*VIEWERS)
def class_list(request):
    """The classes in scope; institution staff also open a class here."""
    actor = request.membership
    form = ClassForm(request.POST or None) if selectors.runs_classes(actor) else None
    if form is not None:
        done = form_action(
            request,
            form,
            lambda data: class_open(institution=actor.institution, opened_by=request.user, **data),
            success=None,
            redirect_to=lambda klass: ("digital_engineer:class", klass.pk),
        )
        if done:
            return done
    today = timezone.localdate()
    classes = [
        selectors.class_state(klass, today) for klass in selectors.classes_visible_to(actor)[:200]
    ]
    return render(request, "digital_engineer/classes.html", {"form": form, "classes": classes})


@role_required(*VIEWERS)
def class_detail(request, pk):
    """A class in scope: its trainees, roster filing and HR comments; its staff
    (selectors.runs_classes) get the forms that run it."""
    klass = selectors.class_for(request.membership, pk)
    filing = getattr(klass, "filing", None)
    today = timezone.localdate()
    context = {
        "klass": klass,
        "staff": selectors.runs_classes(request.membership),
        "trainees": klass.trainees.select_related("person", "certificate", "training_class"),
        "enrol_form": EnrolForm(),
        # A returned filing comes back with the summary filed, to be corrected.
        "summary_form": SummaryForm(initial={"summary": filing.summary if filing else ""}),
        "filing": filing,
        "roster": selectors.roster_state(klass, today),
        "class_state": selectors.class_state(klass, today),
        "comments": klass.comments.select_related("author"),
    }
    return render(request, "digital_engineer/class.html", context)


@require_POST
@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def class_comment_view(request, pk):
    """City or provincial HR comments on a class in scope (services.class_comment)."""
    klass = selectors.class_for(request.membership, pk)
    return post_action(
        request,
        lambda: class_comment(
            actor=request.membership, training_class=klass, text=request.POST.get("text", "")
        ),
        success=_("Saved."),
        redirect_to=("digital_engineer:class", pk),
    )


@require_POST
@role_required(Role.INSTITUTION_STAFF)
def class_action(request, pk, action):
    """The buttons of the class page: enrol, record, upload, close, file. Each
    answers on the class page: 已保存 or the refusal's message."""
    klass = selectors.class_for(request.membership, pk)
    back = ("digital_engineer:class", pk)
    saved = _("Saved.")
    match action:
        case "enrol":
            return post_action(
                request,
                lambda data: trainee_enrol(training_class=klass, enrolled_by=request.user, **data),
                form=EnrolForm(request.POST),
                invalid=_("Enter the trainee's ID card number and name."),
                success=saved,
                redirect_to=back,
            )
        case "record":
            trainee = selectors.trainee_for(klass, pk_or_404(request.POST.get("trainee")))
            return post_action(
                request,
                lambda data: trainee_record(trainee=trainee, recorded_by=request.user, **data),
                form=RecordForm(request.POST),
                invalid=_("Enter whole numbers."),
                success=saved,
                redirect_to=back,
            )
        case "upload":
            return post_action(
                request,
                lambda data: records_upload(
                    training_class=klass, upload=data["file"], uploaded_by=request.user
                ),
                form=XlsxUploadForm(request.POST, request.FILES),
                success=saved,
                redirect_to=back,
            )
        case "close":
            return post_action(
                request,
                lambda: class_close(training_class=klass, closed_by=request.user),
                success=saved,
                redirect_to=back,
            )
        case "file":
            filing = selectors.class_filing_for(klass)
            return post_action(
                request,
                lambda: filing_submit(
                    filing=filing,
                    summary=request.POST.get("summary", ""),
                    submitted_by=request.user,
                ),
                success=saved,
                redirect_to=back,
            )
    raise Http404


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def filing_board(request):
    """City and provincial HR's roster filings by due date; a POST acknowledges or
    returns one (services.filing_decide)."""
    if request.method == "POST":
        filing = selectors.filing_for(request.membership, pk_or_404(request.POST.get("filing")))
        return post_action(
            request,
            lambda: filing_decide(
                filing=filing,
                acknowledge=request.POST.get("decision") == "acknowledge",
                reason=request.POST.get("reason", ""),
                decided_by=request.user,
            ),
            success=None,
            redirect_to="digital_engineer:board",
        )
    rows = selectors.roster_board(request.membership, timezone.localdate())
    return render(request, "digital_engineer/board.html", {"rows": rows})


@role_required(Role.INSTITUTION_STAFF, Role.PROFESSIONAL, Role.PROVINCE_HR)
def certificate_pdf(request, pk):
    """The stored PDF, which the worker renders after the class closes; until it is
    there, a page that says so (and queues the rendering again, in case the first
    task was lost, at most once every few minutes)."""
    certificate = selectors.training_certificate_for(request.membership, pk)
    return stored_pdf_response(
        request,
        certificate,
        filename=_("training-certificate-%(serial)s.pdf") % {"serial": certificate.serial},
        when_missing=training_certificate_render_request,
        as_attachment=True,
    )


@public
def verify(request, code):
    """What a certificate's QR code opens: the certificate, its holder's ID number
    masked, and whether it was revoked (its category, not the reason)."""
    certificate = selectors.verified_training_certificate(code)
    context = {
        "c": certificate,
        "klass": certificate.trainee.training_class,
        "masked_id": mask_id_number(certificate.trainee.person.id_number),
        "category": revocation_category_label(certificate) if certificate.revoked_at else "",
    }
    return render(request, "digital_engineer/verify.html", context)


def _posted_institution(request):
    return selectors.institution_for(request.membership, pk_or_404(request.POST.get("institution")))


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def supervision(request):
    """Institutions in scope with their classes, pass rate and rosters; a POST
    suspends or reinstates one (services.institution_set_status)."""
    if request.method == "POST":
        institution = _posted_institution(request)
        return post_action(
            request,
            lambda: institution_set_status(
                actor=request.membership,
                institution=institution,
                suspend=request.POST.get("action") == "suspend",
            ),
            success=None,
            redirect_to="digital_engineer:supervision",
        )
    rows = selectors.institution_overview(request.membership)
    return render(request, "digital_engineer/supervision.html", {"rows": rows})


@role_required(Role.PROVINCE_HR)
def catalogue(request):
    """The two catalogues, kept by provincial HR: institutions with their approved
    directions and levels, and the subsidy standards."""
    standards = standard_formset()(
        request.POST if request.POST.get("action") == "standards" else None,
        queryset=selectors.standards(),
    )
    if request.method == "POST":
        if request.POST.get("action") == "standards":
            done = form_action(
                request,
                standards,
                lambda _data: standards_save(actor=request.membership, formset=standards),
                success=_("Saved."),
                redirect_to="digital_engineer:catalogue",
            )
            if done:
                return done
            messages.error(request, _("Please correct the errors below."))
        else:
            institution = _posted_institution(request)
            return post_action(
                request,
                lambda: catalogue_change(
                    actor=request.membership,
                    institution=institution,
                    action=request.POST.get("action", ""),
                    direction=request.POST.get("direction", ""),
                    level=request.POST.get("level", ""),
                ),
                success=_("Saved."),
                redirect_to="digital_engineer:catalogue",
            )
    institutions = selectors.catalogue_institutions(request.membership)
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
    rows = selectors.rosters_due_soon(request.membership, timezone.localdate())
    return render(request, "digital_engineer/_due_soon.html", {"rows": rows})


HOLDER_HEADERS = [
    "证书编号",
    "姓名",
    "身份证号",
    "方向",
    "等级",
    "培训机构",
    "状态",
    "申请职称服务",
]


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def holders(request):
    """Certificate holders of the classes in scope, paged or as a workbook; a POST
    marks a service request or (provincial HR) revokes a certificate."""
    actor = request.membership
    if request.method == "POST":
        certificate = selectors.holder_for(actor, pk_or_404(request.POST.get("certificate")))
        if request.POST.get("action") == "revoke":
            change = partial(
                holder_certificate_revoke,
                actor=actor,
                certificate=certificate,
                category=request.POST.get("category", ""),
                reason=request.POST.get("reason", ""),
            )
        else:  # the holder asked for title evaluation or recognition service
            change = partial(certificate_service_toggle, actor=actor, certificate=certificate)
        return post_action(request, change, success=None, redirect_to="digital_engineer:holders")
    certificates = selectors.holders_visible_to(actor)
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
        return xlsx_response(
            _("digital-engineer-holders.xlsx"),
            [(_("Holders"), HOLDER_HEADERS, rows)],
            fallback="digital-engineer-holders.xlsx",
        )
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "categories": RevocationCategory.choices,
        "may_revoke": selectors.revokes_training_certificates(actor),
    }
    return render(request, "digital_engineer/holders.html", context)


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def city_plans(request):
    """The city training plans in scope; city HR may write a new one."""
    plans = selectors.city_plans_visible_to(request.membership)
    context = {"plans": plans, "may_edit": selectors.keeps_city_plans(request.membership)}
    return render(request, "digital_engineer/city_plans.html", context)


@role_required(Role.CITY_HR)
def city_plan_edit(request, pk=None):
    """City HR writes its city's plan `pk` (or a new one) with its targets
    (services.city_plan_save)."""
    plan = selectors.city_plan_to_edit(request.membership, pk)
    form = CityPlanForm(request.POST or None, instance=plan)
    targets = target_formset()(request.POST or None, instance=plan)
    if request.method == "POST" and targets.is_valid():
        done = form_action(
            request,
            form,
            lambda _data: city_plan_save(actor=request.membership, form=form, targets=targets),
            success=_("Saved."),
            redirect_to=lambda saved: ("digital_engineer:city_plan", saved.pk),
        )
        if done:
            return done
    context = {"plan": plan, "form": form, "targets": targets}
    return render(request, "digital_engineer/city_plan_edit.html", context)


@role_required(Role.CITY_HR, Role.PROVINCE_HR)
def city_plan(request, pk):
    """A plan in scope: target against enrolled and certified (selectors.plan_progress)."""
    plan = selectors.city_plan_for(request.membership, pk)
    return render(
        request,
        "digital_engineer/city_plan.html",
        {
            "plan": plan,
            "rows": selectors.plan_progress(plan),
            "may_edit": selectors.keeps_city_plans(request.membership),
        },
    )
