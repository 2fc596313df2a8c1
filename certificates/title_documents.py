"""One document for a title application (职称申报继续教育证书合订本).

A professional picks years; she gets one PDF: a summary page (the years, the hours
per subject and the serial of each year's certificate, and one QR code for the whole
document) followed by her annual certificate of each year, exactly as
certificate_html renders them. The document has a serial of its own (SDHD2026000001,
allocate_document_serial), a verification code and a verification page, and goes
through the one render-and-store path (document_render_store).

Only years with a valid annual certificate whose own PDF has been rendered can be
chosen: the document is made of certificates, and a compliant year without one gets
it first ("every compliant year", certificates.past_years), issued under the usual
rules and serials. The document holds while all its certificates do: once one of
them is revoked, the document is revoked with it (title_document_revocation).
"""

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.documents import DocumentKind, Revocation, lock_person, recent_twin
from certificates.models import Certificate, TitleDocument
from certificates.registry import HeldCertificate, revocation_category_label
from certificates.services import STYLESHEET as CERTIFICATE_STYLESHEET
from certificates.services import (
    CertificateError,
    allocate_document_serial,
    certificate_html,
    document_render_store,
    portal_url,
    qr_svg,
)
from credits.eligibility import MAX_PERIOD_YEARS
from portal.audit import audit_log
from portal.identity import mask_id_number
from portal.models import ReviewStatus

TITLE_DOCUMENT_PREFIX = "SDHD"
STYLESHEET = settings.BASE_DIR / "templates" / "certificates" / "title_document.css"


def title_document_revocation(document: TitleDocument) -> Revocation | None:
    """What revoked the document: the first of its certificates to be revoked, with
    that certificate's date of revocation (local) and reason category; None while
    all of them are valid. No query when its certificates were prefetched."""
    revoked = [c for c in document.certificates.all() if not c.is_valid]
    if not revoked:
        return None
    first = min(revoked, key=lambda c: (c.revoked_at is None, c.revoked_at, c.year))
    return Revocation(
        on=timezone.localdate(first.revoked_at) if first.revoked_at else None,
        reason=_("certificate %(serial)s in it: %(reason)s")
        % {"serial": first.serial, "reason": revocation_category_label(first)},
        certificate_serial=first.serial,
    )


TITLE_DOCUMENTS = DocumentKind(
    model=TitleDocument,
    name=gettext_lazy("Certificates for a title application (one document)"),
    verify_url_name="certificates:title_document_verify",
    pdf_url_name="certificates:title_document_pdf",
    revocation=title_document_revocation,
)


def combinable_certificates(person) -> QuerySet[Certificate]:
    """The person's certificates a title-application document can hold: valid, with
    their own PDF rendered (so none can turn out not to be printable: no character
    its fonts cannot draw), by year."""
    return (
        Certificate.objects.filter(person=person, status=Certificate.Status.VALID)
        .exclude(pdf_sha256="")
        .filter(render_blocked="")
        .order_by("year")
    )


def title_document_issue(*, person, years, issued_by) -> TitleDocument:
    """Issue one document of `person`'s certificates of `years` (ints) and queue its
    PDF (after commit). A repeat of the same request within documents.REPEAT_WINDOW
    (a double click) returns the document already made, and writes nothing.

    Raises CertificateError (in Chinese), writing nothing, when no year is chosen,
    more than MAX_PERIOD_YEARS are, the person is not an approved professional, or a
    year has no valid certificate of hers with its PDF rendered. Audited.
    """
    years = sorted(set(years))
    if not years:
        raise CertificateError(_("Choose at least one year."))
    if len(years) > MAX_PERIOD_YEARS:
        raise CertificateError(
            _("A title-application document holds at most %(count)d years.")
            % {"count": MAX_PERIOD_YEARS}
        )
    profile = getattr(person, "profile", None)
    if profile is None or profile.status != ReviewStatus.APPROVED:
        raise CertificateError(_("%(name)s is not a professional.") % {"name": person.real_name})
    with transaction.atomic():
        lock_person(person)  # a concurrent repeat waits here, then finds the twin
        certificates = list(combinable_certificates(person).filter(year__in=years))
        missing = sorted(set(years) - {c.year for c in certificates})
        if missing:
            unready = set(
                Certificate.objects.filter(
                    person=person,
                    year__in=missing,
                    status=Certificate.Status.VALID,
                    pdf_sha256="",
                    render_blocked="",
                ).values_list("year", flat=True)
            )
            if unready:
                raise CertificateError(
                    _(
                        "The certificate of %(years)s is still being prepared; "
                        "try again in a moment."
                    )
                    % {"years": "、".join(str(year) for year in sorted(unready))}
                )
            raise CertificateError(
                _("No valid certificate for %(years)s: request it first.")
                % {"years": "、".join(str(year) for year in missing)}
            )
        held = {c.pk for c in certificates}
        twin = recent_twin(
            TitleDocument.objects.filter(person=person).prefetch_related("certificates"),
            lambda document: {c.pk for c in document.certificates.all()} == held,
        )
        if twin is not None:
            return twin
        document = TitleDocument.objects.create(
            person=person,
            serial=allocate_document_serial(TITLE_DOCUMENT_PREFIX, timezone.localdate().year),
            real_name=person.real_name,
            id_number=person.id_number,
            unit_name=profile.unit.name,
            issuer_name=str(settings.PORTAL_NAME),
            issued_by=issued_by,
        )
        document.certificates.set(certificates)
        audit_log(
            actor=issued_by,
            action="certificates.title_document.issued",
            document=document.pk,
            serial=document.serial,
            person=person.pk,
            certificates=[c.serial for c in certificates],
        )
        render_title_document.delay_on_commit(document.pk)
    return document


def title_document_certificates(document: TitleDocument) -> list[Certificate]:
    """The certificates the document holds, by year (no query when prefetched)."""
    return sorted(document.certificates.all(), key=lambda c: c.year)


def title_document_verification_url(document: TitleDocument) -> str:
    """What the summary page's QR code opens, on the portal's configured address."""
    return portal_url(TITLE_DOCUMENTS.verification_path(document))


def title_document_html(document: TitleDocument) -> str:
    """The summary page, then the certificate pages exactly as certificate_html renders
    them (the one annual-certificate template): the summary goes in at the start of
    their body. The summary does not state a page count: a certificate whose text
    runs long may take more than one page."""
    certificates = title_document_certificates(document)
    url = title_document_verification_url(document)
    summary = render_to_string(
        "certificates/title_document_summary.html",
        {
            "document": document,
            "certificates": certificates,
            "masked_id": mask_id_number(document.id_number),
            "verify_url": url,
            "qr": qr_svg(url),
        },
    )
    pages = certificate_html(certificates, seal=False)  # the seal goes on the summary
    head, body, rest = pages.partition("<body>")
    if not body:  # the certificate template changed shape: fail loudly, never drop the summary
        raise ValueError("certificate_html returned no <body>")
    return head + body + summary + rest


def title_document_render(document_id: int) -> TitleDocument:
    """Render and store the document's PDF once (the worker's task); a repeat finds it
    stored and writes nothing. Stored under the local year of issue, the year its
    serial counts in."""
    document = TitleDocument.objects.get(pk=document_id)
    year = timezone.localdate(document.issued_at).year
    return document_render_store(
        instance=document,
        html=lambda: title_document_html(document),
        name=f"title-documents/{year}/{document.serial}.pdf",
        stylesheets=(CERTIFICATE_STYLESHEET, STYLESHEET),
    )


# Registered under its old name (certificates.tasks re-exports it); no retries.
@shared_task(
    name="certificates.tasks.render_title_document", acks_late=True, reject_on_worker_lost=True
)
def render_title_document(document_id: int) -> None:
    """Render and store a title-application document's PDF (queued on commit by
    title_document_issue; safe to run twice)."""
    title_document_render(document_id)


def with_certificates(documents: QuerySet[TitleDocument]) -> QuerySet[TitleDocument]:
    """`documents` with their certificates, by year, in one more query."""
    return documents.prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.order_by("year"))
    )


def title_documents_of(user) -> QuerySet[TitleDocument]:
    """A professional's own title-application documents, with their certificates."""
    return with_certificates(TitleDocument.objects.filter(person=user))


def held_title_documents(user) -> list[HeldCertificate]:
    """The user's title-application documents as 我的证书 lists them, each with its
    state now: valid, or revoked with the certificate that revoked it (registered
    with certificates.registry). Two queries."""
    rows = []
    for document in title_documents_of(user):
        subject = _("years %(years)s") % {
            "years": "、".join(str(c.year) for c in title_document_certificates(document))
        }
        revoked = title_document_revocation(document)
        if revoked is None:
            state = {"valid": True, "status": _("valid")}
        else:
            state = {"valid": False, "status": _("revoked"), "reason": revoked.reason}
        rows.append(TITLE_DOCUMENTS.held(document, subject=subject, **state))
    return rows
