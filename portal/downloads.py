"""Every file the portal hands out goes through `download_response`.

Django's `FileResponse(as_attachment=True, filename=...)` writes RFC 6266 headers, but
for a name that is not ASCII it writes only `filename*=utf-8''…`. Browsers read that;
some clients that users still meet here (older download managers, mail and chat
in-app browsers, `curl -J`) only read `filename=` and would save "download" or the
URL's last segment. So `content_disposition` below keeps Django's header and puts
an ASCII `filename=` in front of it, as RFC 6266 section 4.3 recommends.
"""

import re
import unicodedata

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

# Characters Windows refuses in a file name (browsers replace them anyway, each in
# its own way), and control characters.
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME_LENGTH = 120


def safe_filename(name: str) -> str:
    """A file name Windows, macOS and every browser save unchanged: NFC, without
    path separators or the characters Windows refuses, at most 120 characters
    (the extension kept)."""
    name = UNSAFE_IN_NAMES.sub("_", unicodedata.normalize("NFC", str(name))).strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension) - 1].strip(" .") or "download"
    return f"{stem}.{extension}" if extension else stem


def ascii_filename(name: str) -> str:
    """The ASCII stand-in for `name`: its ASCII letters, digits, dots, dashes and
    underscores; "download" (with the extension) when that leaves nothing."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")
    if not re.search(r"[A-Za-z]", ascii_stem):  # "-2025" says nothing
        ascii_stem = f"download-{ascii_stem}" if ascii_stem else "download"
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)
    return f"{ascii_stem}.{extension}" if extension else ascii_stem


def content_disposition(*, filename: str, fallback: str = "", as_attachment: bool = True) -> str:
    """Django's Content-Disposition for `filename` (cleaned by `safe_filename`), with
    the ASCII `filename=` (from `fallback`, else from `filename`) in front of its
    `filename*=utf-8''…` when the name is not ASCII."""
    filename = safe_filename(filename)
    header = content_disposition_header(as_attachment, filename)
    kind, _sep, name = header.partition("; ")
    if name.startswith("filename*="):
        ascii_name = ascii_filename(safe_filename(fallback or filename))
        header = f'{kind}; filename="{ascii_name}"; {name}'
    return header


def download_response(
    content,
    *,
    filename: str,
    fallback: str = "",
    content_type: str | None = None,
    as_attachment: bool = True,
) -> HttpResponse | FileResponse:
    """A file for the browser to save (or, `as_attachment=False`, to show, a PDF
    say) under `filename` — Chinese, as a rule — with the ASCII `fallback` name for
    clients that cannot read it.

    `content` is bytes made for this request (an export: a plain response) or an
    open file (a stored file: streamed by Django's FileResponse).
    """
    disposition = content_disposition(
        filename=filename, fallback=fallback, as_attachment=as_attachment
    )
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(
            content,
            as_attachment=as_attachment,
            filename=safe_filename(filename),
            content_type=content_type,
        )
    response["Content-Disposition"] = disposition
    return response
