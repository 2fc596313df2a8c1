"""/verify/file/: anyone drops a PDF on the verification page and reads one line about
it (certificates.file_verification). Nothing of the upload is kept: the file is read
into memory by an upload handler of its own (never into a temporary file, which
Django's default handlers use above FILE_UPLOAD_MAX_MEMORY_SIZE), at most MAX_BYTES
of it, and dropped with the request.
"""

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from certificates.file_verification import MAX_BYTES, too_large, verify_file
from certificates.forms import VerifyForm
from certificates.views import VERIFY_ATTEMPTS, VERIFY_WINDOW_SECONDS
from portal import throttle
from portal.roles import public

FIELD = "file"
# Room for the form's other fields and the multipart framing around the file.
REQUEST_OVERHEAD = 64 * 1024


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keeps the uploaded file in memory and stops reading past `limit` bytes
    (`exceeded` then says so)."""

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False
        self.received = 0
        self.buffer = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            self.buffer = None
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _answer(request, result=None, *, status=200, error=""):
    """The verification page with `result` (a FileVerdict: its line and the found
    document's masked details) or an `error` about the upload, with `status`."""
    details = ""
    if result is not None and result.document is not None:
        document = result.document
        details = render_to_string(
            document.details_template, {**document.details, "document": document}, request
        )
    context = {
        "form": VerifyForm(),
        "file_result": result,
        "file_details": details,
        "file_error": error,
    }
    return render(request, "certificates/verify_form.html", context, status=status)


@public
@csrf_exempt  # checked by _verify_file, once the throttle and the upload handler are in place
def verify_file_view(request):
    """Check an uploaded PDF; a GET goes back to the form.

    Nothing of the body is read before the throttle has let the client in (an
    attempt is counted as a failure up front, like the lookup by serial and name, and
    forgiven only for an unchanged file of the portal's: an office checking a stack
    of genuine files is never held up, one sending junk or edited files is), nor when
    the declared length is over the limit (413)."""
    if request.method != "POST":
        return redirect("certificates:verify_form")
    if not throttle.attempt(
        "verify_file", request, limit=VERIFY_ATTEMPTS, window_seconds=VERIFY_WINDOW_SECONDS
    ):
        return render(
            request,
            "certificates/verify_form.html",
            {"form": VerifyForm(), "limited": True},
            status=429,
        )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES + REQUEST_OVERHEAD:
        return _answer(request, too_large(), status=413)
    handler = BoundedMemoryUploadHandler(MAX_BYTES, request)
    request.upload_handlers = [handler]
    return _verify_file(request, handler)


@csrf_protect  # reads the body (the token is a form field), through `handler`
def _verify_file(request, handler):
    upload = request.FILES.get(FIELD)
    if handler.exceeded:
        return _answer(request, too_large(), status=413)
    if upload is None or upload.size == 0:
        return _answer(request, error=_("Choose the PDF file to check."), status=400)
    result = verify_file(upload.read())
    upload.close()
    if result.genuine:
        throttle.forgive("verify_file", request)
    return _answer(request, result)
