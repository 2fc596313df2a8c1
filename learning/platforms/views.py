"""The platforms' pages: the signed push API and its OpenAPI document (for the
platforms), and provincial HR's reconciliation, records, keys and file imports."""

import logging

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from learning.platforms import selectors, services
from learning.platforms.forms import ImportForm, RecordFilterForm, ReprocessForm
from learning.platforms.imports import import_confirm, import_create
from learning.platforms.models import PlatformRecord
from learning.platforms.openapi import spec
from learning.platforms.schema import MalformedBatch
from portal.actions import form_action, post_action
from portal.models import Role
from portal.pagination import query_without_page
from portal.roles import public, role_required
from portal.xlsx import xlsx_response

logger = logging.getLogger(__name__)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# -- the push API ------------------------------------------------------------------


# Public: no session and no role. Each request is authenticated by the platform's key
# instead (an HMAC signature over timestamp and body, services.authenticate): nothing
# is read from the body before it passes.
@public
@csrf_exempt
@require_POST
def push_completions(request, code):
    """POST /api/platforms/<code>/completions — see /api/openapi.json."""
    platform = selectors.platform_by_code(code)
    if platform is None:
        return _error("unknown platform", 404)
    if int(request.META.get("CONTENT_LENGTH") or 0) > services.MAX_BODY_BYTES:
        return _error("body too large", 400)
    try:
        body = request.body
    except RequestDataTooBig:
        return _error("body too large", 400)
    try:
        batch, rows = services.receive_push(
            platform,
            key_id=request.headers.get("X-Key-Id", ""),
            timestamp=request.headers.get("X-Timestamp", ""),
            signature=request.headers.get("X-Signature", ""),
            body=body,
        )
    except services.Unauthorized as refusal:
        logger.warning("platform push refused: %s (platform %s)", refusal, platform.code)
        return _error(str(refusal), 401)
    except MalformedBatch as error:
        return _error(f"malformed batch: {error}", 400)
    results = [
        {"external_id": r.external_id, "outcome": r.outcome, "reason": r.reason} for r in rows
    ]
    return JsonResponse({"batch": batch.pk, "results": results})


@public  # the API's description: the platforms' developers read it before they have a key
def openapi(request):
    """GET /api/openapi.json: the push API's OpenAPI document (openapi.spec)."""
    return JsonResponse(spec(request.build_absolute_uri("/")))


# -- provincial HR -----------------------------------------------------------------


@role_required(Role.PROVINCE_HR)
def reconciliation(request):
    context = {
        "rows": selectors.reconciliation(),
        "platforms": selectors.platforms_with_keys(),
        "imports": selectors.recent_imports(),
        "import_form": ImportForm(),
    }
    return render(request, "learning/reconciliation.html", context)


def _filtered_records(request):
    form = RecordFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.records_matching(request.membership, filters)


@role_required(Role.PROVINCE_HR)
def records(request):
    form, found = _filtered_records(request)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = query_without_page(request)
    return render(
        request,
        "learning/records.html",
        {"form": form, "page": page, "query": query},
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
    record = get_object_or_404(selectors.records_visible_to(request.membership), pk=pk)
    form = ReprocessForm(request.POST or None)

    def reprocessed(result: PlatformRecord) -> str | None:
        # A record still rejected is an error to read, not a success.
        if result.outcome == PlatformRecord.Outcome.REJECTED:
            messages.error(request, _("Still rejected: %(reason)s") % {"reason": result.reason})
            return None
        return _("Processed: %(outcome)s.") % {"outcome": result.get_outcome_display()}

    done = form_action(
        request,
        form,
        lambda data: services.reprocess(record, person=data["person"], actor=request.user),
        success=reprocessed,
        redirect_to=("learning:record", pk),
    )
    if done:
        return done
    context = {"record": record, "form": form, "received": services.received_fields(record.raw)}
    return render(request, "learning/record.html", context)


@require_POST
@role_required(Role.PROVINCE_HR)
def key_create(request, code):
    platform = selectors.platform_by_code(code)
    if platform is None:
        raise Http404

    def shown_once(created):
        if created is None:
            return redirect("learning:reconciliation")
        key, secret = created
        # The secret is shown this once and never again.
        return render(request, "learning/key_created.html", {"key": key, "secret": secret})

    return post_action(
        request,
        lambda: services.create_key(platform, actor=request.user),
        success=None,
        redirect_to=shown_once,
    )


@require_POST
@role_required(Role.PROVINCE_HR)
def key_revoke(request, pk):
    key = selectors.active_key(pk)
    if key is None:
        raise Http404
    return post_action(
        request,
        lambda: services.revoke_key(key, actor=request.user),
        success=_("Key %(key)s revoked.") % {"key": key.key_id},
        redirect_to="learning:reconciliation",
    )


@require_POST
@role_required(Role.PROVINCE_HR)
def import_upload(request):
    form = ImportForm(request.POST, request.FILES)
    file_errors = form.errors.get("file") if "file" in request.FILES else None
    return post_action(
        request,
        lambda data: import_create(
            platform=data["platform"], upload=data["file"], requested_by=request.user
        ),
        success=None,
        redirect_to=lambda job: ("learning:import", job.pk) if job else "learning:reconciliation",
        form=form,
        invalid=file_errors[0]
        if file_errors
        else _("Choose a platform and an .xlsx or .csv file."),
    )


@role_required(Role.PROVINCE_HR)
def import_detail(request, pk):
    job = get_object_or_404(selectors.imports_visible_to(request.membership), pk=pk)
    if request.method == "POST":
        return post_action(
            request,
            lambda: import_confirm(job=job, confirmed_by=request.user),
            success=None,
            redirect_to=("learning:import", pk),
        )
    context = {"job": job}
    if request.htmx:
        return render(request, "learning/_import_progress.html", context)
    return render(request, "learning/import.html", context)
