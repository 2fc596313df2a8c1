"""Checks of uploaded files by their content, not by their name: one check for every
place that takes a PDF, a Word document or an image (declaration evidence, filings).

A file's first bytes only say what it claims to be: `%PDF-<html><script>…` starts like
a PDF and 44 bytes of an OLE header start like a Word document. So a file is taken
only when it opens as what it claims, with the library that would read it:

- PDF: pypdf parses it (header, cross-reference table, trailer, page tree) and finds
  at least one page. An encrypted PDF whose structure parsed is taken even when pypdf
  cannot decrypt it (it needs an optional crypto library for AES): a PDF protected
  against editing is common, and its structure is what was checked.
- Word: only .docx, which python-docx opens, after a zip check against decompression
  bombs (python-docx reads every part into memory). A legacy .doc (an OLE compound
  file) is refused with a message that says to save it as .docx: nothing here can
  check its content, and the reviewers' browsers cannot open it either.
- PNG and JPEG: Pillow (a WeasyPrint dependency) opens the image and then checks it
  through: a PNG's chunks and their checksums up to IEND (`verify`, which does not
  inflate the pixels), a JPEG's entropy-coded data decoded at 1/8 scale (`draft`), so
  a truncated or forged file fails without decoding a full-size photo.
"""

import logging
import zipfile
from collections.abc import Collection
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

logger = logging.getLogger(__name__)


class Kind(NamedTuple):
    """A kind of file accepted somewhere, as stored and served."""

    content_type: str
    extension: str
    label: str  # as the messages name it


PDF = Kind("application/pdf", "pdf", "PDF")
PNG = Kind("image/png", "png", "PNG")
JPEG = Kind("image/jpeg", "jpg", "JPG")
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word (.docx)",
)

EVIDENCE_KINDS = (PDF, JPEG, PNG)

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc (and .xls, .ppt)

# A .docx of a 20 MB upload limit holds mostly pictures (stored, barely compressed);
# its XML unpacks to a few times its size. A bomb declares gigabytes.
DOCX_MAX_UNPACKED = 200 * 1024 * 1024
DOCX_MAX_ENTRIES = 1000
DOCX_MAX_RATIO = 200  # unpacked / packed, for parts over DOCX_RATIO_FLOOR bytes
DOCX_RATIO_FLOOR = 1024 * 1024
JPEG_DRAFT_SCALE = 8


def sniff_kind(upload) -> Kind | None:
    """The kind a file claims by its first bytes (PDF, PNG, JPEG or a zip taken for a
    .docx), None for anything else. A claim only: `check_file_content` verifies it."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, kind in (
        (PDF_MAGIC, PDF),
        (PNG_MAGIC, PNG),
        (JPEG_MAGIC, JPEG),
        (ZIP_MAGIC, DOCX),
    ):
        if head.startswith(magic):
            return kind
    return None


def check_file_content(upload, *, kinds: Collection[Kind], max_bytes: int) -> Kind:
    """The kind of `upload`, one of `kinds`, once the file has opened as that kind
    (see the module docstring). Raises ValidationError with a message for the user,
    naming the file: larger than `max_bytes`; a legacy .doc; not of one of `kinds`;
    claims a kind but does not open as it (damaged or forged). Leaves the file at
    its start."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    is_ole = upload.read(len(OLE2_MAGIC)) == OLE2_MAGIC
    upload.seek(0)
    if is_ole and DOCX in kinds:
        raise ValidationError(
            _("%(name)s is a legacy Word document (.doc). Please save it as .docx and upload that.")
            % {"name": upload.name}
        )
    kind = sniff_kind(upload)
    if kind not in kinds:
        raise ValidationError(
            _("%(name)s is not a %(kinds)s file (judged by its content, not its name).")
            % {"name": upload.name, "kinds": _kinds_text(kinds)}
        )
    try:
        opens = OPENERS[kind](upload)
    finally:
        upload.seek(0)
    if not opens:
        raise ValidationError(
            _(
                "%(name)s does not open as a %(kind)s file: it is damaged, or not what "
                "it claims to be."
            )
            % {"name": upload.name, "kind": kind.label}
        )
    return kind


def _kinds_text(kinds: Collection[Kind]) -> str:
    """ "PDF, JPG or PNG" in the user's language."""
    labels = [kind.label for kind in kinds]
    if len(labels) == 1:
        return labels[0]
    head = pgettext("between items of a list", ", ").join(labels[:-1])
    return head + pgettext("before the last item of a list", " or ") + labels[-1]


# Each opener says whether the file opens as its kind. The parsers meet hostile input
# here and raise a zoo of exceptions for it (their own, ValueError, KeyError,
# struct.error, zlib.error, RecursionError …), none of which may become a server
# error: any exception is a file that does not open.


def _pdf_opens(upload) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except DependencyError:
                return True  # structure parsed; AES needs a crypto library
        return len(reader.pages) >= 1
    except Exception:  # see above
        logger.info("upload refused: not a readable PDF", exc_info=True)
        return False


def _docx_opens(upload) -> bool:
    import docx

    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > DOCX_MAX_ENTRIES:
                return False
            # zipfile never unpacks more than an entry declares (and checks its CRC),
            # so the declared sizes bound what python-docx can read.
            if sum(e.file_size for e in entries) > DOCX_MAX_UNPACKED:
                return False
            for entry in entries:
                if entry.file_size > DOCX_RATIO_FLOOR and entry.file_size > (
                    DOCX_MAX_RATIO * max(entry.compress_size, 1)
                ):
                    return False
        upload.seek(0)
        document = docx.Document(upload)  # refuses an .xlsx, .pptx, .docm by type
        document.paragraphs  # noqa: B018 - parses the body
        return True
    except Exception:  # see above
        logger.info("upload refused: not a readable .docx", exc_info=True)
        return False


def _image_opens(upload, expected_format: str) -> bool:
    from PIL import Image

    try:
        with Image.open(upload) as image:
            if image.format != expected_format:
                return False
            if expected_format == "PNG":
                image.verify()  # every chunk's CRC, through IEND
            else:
                width, height = image.size
                image.draft(
                    "RGB",
                    (max(1, width // JPEG_DRAFT_SCALE), max(1, height // JPEG_DRAFT_SCALE)),
                )
                image.load()  # a truncated file raises here
        return True
    except Exception:  # see above; DecompressionBombError too
        logger.info("upload refused: not a readable %s", expected_format, exc_info=True)
        return False


OPENERS = {
    PDF: _pdf_opens,
    DOCX: _docx_opens,
    PNG: lambda upload: _image_opens(upload, "PNG"),
    JPEG: lambda upload: _image_opens(upload, "JPEG"),
}
