"""Verification of a file: what /verify/ answers about a PDF someone drops on it.

One line, as a title-review office reads it: 有效 / 已撤销 (with the date and the
reason's category) / 文件被修改 / 非本平台签发, or what is wrong with the upload (not
a PDF, too large, encrypted, unsigned). The signature is checked by
certificates.signing.verify_pdf; the document is found by the kind and serial its
signed revision carries (certificates.registry.signed_document, which every kind
of document can register with); the file's SHA-256 is compared with the stored one.
The bytes are only read: nothing of the upload is stored or logged.

The signature is checked in a child process with memory and CPU limits
(portal.limited.run_limited), as every upload is parsed: a crafted PDF can
ask a parser for minutes of CPU, and a web process must not give them. A file that
uses up the limits is answered as unreadable.
"""

import enum
import hashlib
import logging
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from certificates import registry, signing
from certificates.models import Certificate
from certificates.signing import Outcome, SignatureCheck, verify_pdf
from portal.identity import mask_id_number
from portal.limited import ReaderFailed, ReaderOutOfMemory, run_limited

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # the largest file /verify/ reads
# What the child checking one file may use (a certificate takes ~0.1 s and a few MB).
CHECK_MEMORY_MB = 512
CHECK_CPU_SECONDS = 10


class Verdict(enum.Enum):
    """The one-line answer's kind (`FileVerdict.line` says it in Chinese)."""

    VALID = "valid"
    REVOKED = "revoked"
    MODIFIED = "modified"
    FOREIGN = "foreign"  # 非本平台签发
    UNREGISTERED = "unregistered"  # the portal's intact signature, but no such document
    NOT_PDF = "not_pdf"
    TOO_LARGE = "too_large"
    ENCRYPTED = "encrypted"
    UNSIGNED = "unsigned"


@dataclass(frozen=True)
class FileVerdict:
    verdict: Verdict
    line: str  # the one-line answer, in Chinese
    document: registry.SignedDocument | None = None  # shown masked, when found

    @property
    def tone(self) -> str:
        """The Bootstrap colour of the answer."""
        if self.verdict == Verdict.VALID:
            return "success"
        if self.verdict in (Verdict.REVOKED, Verdict.MODIFIED, Verdict.FOREIGN):
            return "danger"
        return "warning"

    @property
    def genuine(self) -> bool:
        """The file is, unchanged, one the portal signed: only these are forgiven by
        the throttle (a modified file names a document too, but anyone can make one)."""
        return self.verdict in (Verdict.VALID, Verdict.REVOKED, Verdict.UNREGISTERED)


def too_large() -> FileVerdict:
    """The answer for a file over MAX_BYTES (its bytes need not be read)."""
    return FileVerdict(
        Verdict.TOO_LARGE,
        _("The file is larger than %(limit)s MB; certificates of this portal are far smaller.")
        % {"limit": MAX_BYTES // (1024 * 1024)},
    )


def verify_file(data: bytes) -> FileVerdict:
    """The answer for the uploaded file `data` (bytes; at most MAX_BYTES, else
    TOO_LARGE without reading it).

    Steps: the signature (certificates.signing.verify_pdf: NOT_PDF, ENCRYPTED,
    UNSIGNED and FOREIGN answer at once; MODIFIED when the portal's signature is
    broken or something was added after it); the document the signed revision names
    (none: UNREGISTERED); the SHA-256 of the file against the stored one (differs:
    MODIFIED); then REVOKED with the date and reason category, or VALID.
    """
    if len(data) > MAX_BYTES:
        return too_large()
    check = check_signature(data)
    immediate = {
        Outcome.NOT_PDF: (Verdict.NOT_PDF, _("This file is not a PDF, or it is damaged.")),
        Outcome.ENCRYPTED: (
            Verdict.ENCRYPTED,
            _(
                "This PDF is encrypted and cannot be checked; the portal never encrypts "
                "its documents, so it is not an original file of the portal."
            ),
        ),
        Outcome.UNSIGNED: (
            Verdict.UNSIGNED,
            _(
                "This PDF carries no electronic signature, so it cannot be an original file "
                "of the portal (a printout scanned or saved again loses the signature)."
            ),
        ),
        Outcome.FOREIGN: (
            Verdict.FOREIGN,
            _("Not issued by this portal: the file is signed with another key."),
        ),
    }
    if check.outcome in immediate:
        verdict, line = immediate[check.outcome]
        return FileVerdict(verdict, line)

    document = registry.signed_document(check.kind, check.serial)
    modified = FileVerdict(
        Verdict.MODIFIED,
        _(
            "File modified: the portal signed this document, but the file has been "
            "changed since; do not rely on what it shows."
        ),
        document,
    )
    if check.outcome == Outcome.MODIFIED:
        return modified
    if document is None:
        return FileVerdict(
            Verdict.UNREGISTERED,
            _(
                "Signed by this portal and unchanged, but it is not a single registered "
                "document (a unit's printing bundle, for one): check each certificate in it "
                "by its QR code."
            ),
        )
    if document.pdf_sha256 != hashlib.sha256(data).hexdigest():
        return modified
    if document.revoked:
        return FileVerdict(
            Verdict.REVOKED,
            _("Revoked (%(date)s, %(reason)s): this document is no longer valid.")
            % {
                "date": document.revoked_on.isoformat() if document.revoked_on else "—",
                "reason": document.revoked_reason,
            },
            document,
        )
    return FileVerdict(
        Verdict.VALID,
        _("Valid: an original file issued by this portal, unchanged, and in force."),
        document,
    )


def check_signature(data: bytes) -> SignatureCheck:
    """certificates.signing.verify_pdf of `data`, run in a child process limited to
    CHECK_MEMORY_MB and CHECK_CPU_SECONDS; NOT_PDF when the child exceeds them or
    fails (only the failure's kind is logged, never the file)."""
    signing.accepted_certificates()  # loaded (or generated) here, once, not in every child
    signing.prepare_verification()
    try:
        (check,) = run_limited(
            lambda: [verify_pdf(data)],
            memory_mb=CHECK_MEMORY_MB,
            cpu_seconds=CHECK_CPU_SECONDS,
        )
    except (ReaderOutOfMemory, ReaderFailed) as error:
        logger.warning("an uploaded PDF could not be checked (%s)", type(error).__name__)
        return SignatureCheck(Outcome.NOT_PDF)
    return check


def find_signed_certificate(serial: str) -> registry.SignedDocument | None:
    """The annual certificate numbered `serial` as its file's verification shows it
    (registered with certificates.registry for ``certificates.certificate``); a
    revoked one's reason by the category its revoker chose
    (registry.revocation_category_label)."""
    certificate = Certificate.objects.filter(serial=serial).first()
    if certificate is None:
        return None
    return registry.signed_document_of(
        certificate,
        kind=_("Continuing education certificate"),
        details_template="certificates/_certificate_details.html",
        details={"certificate": certificate, "masked_id": mask_id_number(certificate.id_number)},
        verification_path=reverse(
            "certificates:verify", kwargs={"code": certificate.verification_code}
        ),
    )
