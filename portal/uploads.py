"""Checks of uploaded files by their content, not by their name."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAGIC = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]


def sniff_type(upload) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG file, read from its first bytes."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in MAGIC:
        if head.startswith(magic):
            return content_type, extension
    return None


def check_evidence_file(upload, max_bytes: int) -> tuple[str, str]:
    """Accept a PDF, JPG or PNG of at most `max_bytes`; ValidationError otherwise."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": max_bytes // (1024 * 1024)}
        )
    kind = sniff_type(upload)
    if kind is None:
        raise ValidationError(
            _("%(name)s is not a PDF, JPG or PNG file (judged by its content, not its name).")
            % {"name": upload.name}
        )
    return kind
