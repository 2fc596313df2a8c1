import logging

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from learning import ingest, selectors
from learning.forms import ImportForm, RecordFilterForm, ReprocessForm
from learning.imports import BadImportFile, import_confirm, import_create
from learning.models import (
    ImportJob,
    Platform,
    PlatformKey,
    PlatformRecord,
    ReceivedBatch,
    body_digest,
)
from learning.openapi import spec
from portal.audit import audit_log
from portal.models import Role
from portal.roles import role_required
from portal.tabular import TableError
from portal.xlsx import xlsx_response

logger = logging.getLogger(__name__)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# -- the push API ------------------------------------------------------------------


@csrf_exempt
@require_POST
def push_completions(request, code):
    """POST /api/platforms/<code>/completions — see /api/openapi.json."""
    platform = Platform.objects.filter(code=code).first()
    if platform is None:
        return _error("unknown platform", 404)
    if int(request.META.get("CONTENT_LENGTH") or 0) > ingest.MAX_BODY_BYTES:
        return _error("body too large", 400)
    try:
        body = request.body
    except RequestDataTooBig:
        return _error("body too large", 400)
    try:
        key = ingest.authenticate(
            platform,
            request.headers.get("X-Key-Id", ""),
            request.headers.get("X-Timestamp", ""),
            request.headers.get("X-Signature", ""),
            body,
        )
    except ingest.Unauthorized as refusal:
        logger.warning("platform push refused: %s (platform %s)", refusal, platform.code)
        return _error(str(refusal), 401)
    signature = request.headers.get("X-Signature", "")
    try:
        raws = ingest.parse_batch(ingest.load_body(body))
    except ingest.MalformedBatch as error:
        return _error(f"malformed batch: {error}", 400)
    try:
        batch, rows = ingest.ingest_records(
            platform=platform,
            raws=raws,
            channel=ReceivedBatch.Channel.API,
            key=key,
            body_sha256=body_digest(body),
        )
    except Exception:
        ingest.forget_signature(key, signature)  # nothing was written: let it retry
        raise
    results = [
        {"external_id": r.external_id, "outcome": r.outcome, "reason": r.reason} for r in rows
    ]
    return JsonResponse({"batch": batch.pk, "results": results})


def openapi(request):
    return JsonResponse(spec(request.build_absolute_uri("/")))


# -- provincial HR -----------------------------------------------------------------


@role_required(Role.PROVINCE_HR)
def reconciliation(request):
    context = {
        "rows": selectors.reconciliation(),
        "platforms": Platform.objects.prefetch_related("keys"),
        "imports": ImportJob.objects.select_related("platform")[:10],
        "import_form": ImportForm(),
    }
    return render(request, "learning/reconciliation.html", context)


def _filtered_records(request):
    form = RecordFilterForm(request.GET or None)
    records = PlatformRecord.objects.select_related("platform", "person")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("platform"):
            records = records.filter(platform=data["platform"])
        if data.get("year"):
            records = records.filter(year=data["year"])
        if data.get("outcome") == "pending":
            records = records.filter(outcome=PlatformRecord.Outcome.REJECTED)
        elif data.get("outcome"):
            records = records.filter(outcome=data["outcome"])
    return form, records


@role_required(Role.PROVINCE_HR)
def records(request):
    form, found = _filtered_records(request)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "learning/records.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(Role.PROVINCE_HR)
def records_export(request):
    _form, found = _filtered_records(request)
    rows = (
        [
            r.platform.name,
            r.external_id,
            r.id_number,
            r.name,
            r.course_title,
            float(r.hours) if r.hours is not None else None,
            r.get_category_display(),
            timezone.localtime(r.completed_at).replace(tzinfo=None) if r.completed_at else None,
            r.get_outcome_display(),
            r.reason,
        ]
        for r in found.iterator(chunk_size=2000)
    )
    headers = ["平台", "外部编号", "身份证号", "姓名", "课程", "学时", "科目类别", "完成时间"]
    return xlsx_response(
        _("platform-records.xlsx"),
        [(_("Records"), [*headers, "结果", "原因"], rows)],
        fallback="platform-records.xlsx",
    )


@role_required(Role.PROVINCE_HR)
def record_detail(request, pk):
    record = get_object_or_404(PlatformRecord.objects.select_related("platform", "person"), pk=pk)
    form = ReprocessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = ingest.reprocess(record, person=form.cleaned_data["person"], actor=request.user)
        if record.outcome == PlatformRecord.Outcome.REJECTED:
            messages.error(request, _("Still rejected: %(reason)s") % {"reason": record.reason})
        else:
            messages.success(
                request, _("Processed: %(outcome)s.") % {"outcome": record.get_outcome_display()}
            )
        return redirect("learning:record", pk=pk)
    context = {"record": record, "form": form, "received": ingest.received_fields(record.raw)}
    return render(request, "learning/record.html", context)


@require_POST
@role_required(Role.PROVINCE_HR)
def key_create(request, code):
    platform = get_object_or_404(Platform, code=code)
    key, secret = PlatformKey.new_for(platform)
    audit_log(actor=request.user, action="learning.platform_key.created", key=key.key_id)
    # The secret is shown this once and never again.
    return render(request, "learning/key_created.html", {"key": key, "secret": secret})


@require_POST
@role_required(Role.PROVINCE_HR)
def key_revoke(request, pk):
    key = get_object_or_404(PlatformKey, pk=pk, revoked_at__isnull=True)
    PlatformKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    audit_log(actor=request.user, action="learning.platform_key.revoked", key=key.key_id)
    messages.success(request, _("Key %(key)s revoked.") % {"key": key.key_id})
    return redirect("learning:reconciliation")


@require_POST
@role_required(Role.PROVINCE_HR)
def import_upload(request):
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = import_create(
                platform=form.cleaned_data["platform"],
                upload=form.cleaned_data["file"],
                requested_by=request.user,
            )
        except (BadImportFile, TableError) as error:
            messages.error(request, str(error))
        else:
            return redirect("learning:import", pk=job.pk)
    else:
        errors = form.errors.get("file")
        if errors and "file" in request.FILES:
            messages.error(request, errors[0])
        else:
            messages.error(request, _("Choose a platform and an .xlsx or .csv file."))
    return redirect("learning:reconciliation")


@role_required(Role.PROVINCE_HR)
def import_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("platform"), pk=pk)
    if request.method == "POST":
        job = import_confirm(job=job, confirmed_by=request.user)
        return redirect("learning:import", pk=pk)
    context = {"job": job}
    if request.htmx:
        return render(request, "learning/_import_progress.html", context)
    return render(request, "learning/import.html", context)
