"""One document for a title application (职称申报继续教育证书合订本).

A professional picks years; she gets one PDF: a summary page (the years, the hours
per subject and the serial of each year's certificate, and one QR code for the whole
document) followed by her annual certificate of each year, one page each, exactly as
certificate_html renders them. The document has a serial of its own (SDHD2026000001,
allocate_document_serial), a verification code and a verification page, and goes
through the one render-and-store path (document_render_store).

Only years with a valid annual certificate can be chosen: the document is made of
certificates, and a compliant year without one gets it first ("every compliant
year", certificates.past_years), issued under the usual rules and serials.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, TitleDocument
from certificates.registry import HeldCertificate
from certificates.services import STYLESHEET as CERTIFICATE_STYLESHEET
from certificates.services import (
    CertificateError,
    allocate_document_serial,
    certificate_html,
    document_render_store,
    document_stored,
    portal_url,
    qr_svg,
)
from portal.audit import audit_log
from portal.identity import mask_id_number, normalize_name
from portal.models import ReviewStatus

TITLE_DOCUMENT_PREFIX = "SDHD"
STYLESHEET = settings.BASE_DIR / "templates" / "certificates" / "title_document.css"
MAX_YEARS = 10  # the longest review period credits.eligibility.check_period allows


def combinable_certificates(person) -> QuerySet[Certificate]:
    """The person's certificates a title-application document can hold: valid, and
    printable (no character its fonts cannot draw), by year."""
    return Certificate.objects.filter(
        person=person, status=Certificate.Status.VALID, render_blocked=""
    ).order_by("year")


def title_document_issue(*, person, years, issued_by) -> TitleDocument:
    """Issue one document of `person`'s certificates of `years` (ints) and queue its
    PDF (after commit).

    Raises CertificateError (in Chinese), writing nothing, when no year is chosen,
    more than MAX_YEARS are, the person is not an approved professional, or a year
    has no valid printable certificate of hers. Audited.
    """
    years = sorted(set(years))
    if not years:
        raise CertificateError(_("Choose at least one year."))
    if len(years) > MAX_YEARS:
        raise CertificateError(
            _("A title-application document holds at most %(count)d years.") % {"count": MAX_YEARS}
        )
    profile = getattr(person, "profile", None)
    if profile is None or profile.status != ReviewStatus.APPROVED:
        raise CertificateError(_("%(name)s is not a professional.") % {"name": person.real_name})
    from certificates.tasks import render_title_document

    with transaction.atomic():
        certificates = list(combinable_certificates(person).filter(year__in=years))
        missing = sorted(set(years) - {c.year for c in certificates})
        if missing:
            raise CertificateError(
                _("No valid certificate for %(years)s: request it first.")
                % {"years": "、".join(str(year) for year in missing)}
            )
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
    """The certificates the document holds, by year."""
    return list(document.certificates.order_by("year"))


def title_document_verification_url(document: TitleDocument) -> str:
    """What the summary page's QR code opens, on the portal's configured address."""
    return portal_url(
        reverse("certificates:title_document_verify", kwargs={"code": document.verification_code})
    )


def title_document_html(document: TitleDocument) -> str:
    """The summary page, then the certificate pages exactly as certificate_html renders
    them (the one annual-certificate template): the summary goes in at the start of
    their body."""
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
            "pages": len(certificates) + 1,
        },
    )
    pages = certificate_html(certificates)
    head, body, rest = pages.partition("<body>")
    if not body:  # the certificate template changed shape: fail loudly, never drop the summary
        raise ValueError("certificate_html returned no <body>")
    return head + body + summary + rest


def title_document_render(document_id: int) -> TitleDocument:
    """Render and store the document's PDF once (the worker's task); a repeat finds it
    stored and writes nothing."""
    document = TitleDocument.objects.get(pk=document_id)
    return document_render_store(
        instance=document,
        html=lambda: title_document_html(document),
        name=f"title-documents/{document.issued_at.year}/{document.serial}.pdf",
        stylesheets=(CERTIFICATE_STYLESHEET, STYLESHEET),
    )


def title_documents_of(user) -> QuerySet[TitleDocument]:
    """A professional's own title-application documents (the only ones she may open)."""
    return TitleDocument.objects.filter(person=user)


def find_title_document(serial: str, name: str) -> str | None:
    """The verification path of the document numbered `serial` whose holder's name, in
    normal form, is `name`; None otherwise (registered with certificates.registry)."""
    document = TitleDocument.objects.filter(serial=serial).first()
    if document is None or normalize_name(document.real_name) != name:
        return None
    return reverse(
        "certificates:title_document_verify", kwargs={"code": document.verification_code}
    )


def held_title_documents(user) -> list[HeldCertificate]:
    """The user's title-application documents as 我的证书 lists them (registered with
    certificates.registry)."""
    rows = []
    for document in title_documents_of(user).prefetch_related("certificates"):
        certificates = sorted(document.certificates.all(), key=lambda c: c.year)
        rows.append(
            HeldCertificate(
                kind=_("Certificates for a title application (one document)"),
                serial=document.serial,
                subject=_("years %(years)s")
                % {"years": "、".join(str(c.year) for c in certificates)},
                hours="",
                issued_on=timezone.localdate(document.issued_at),
                valid=True,
                status=_("valid"),
                reason="",
                download_url=reverse("certificates:title_document_pdf", kwargs={"pk": document.pk}),
                ready=document_stored(document),
            )
        )
    return rows


def find_signed_title_document(serial: str):
    """The document numbered `serial` as /verify/'s check of a file shows it: the
    registry's details of any document, with the link to its verification page
    (registered with certificates.registry.register_signed_kind)."""
    import dataclasses

    from certificates.registry import model_document

    found = model_document(TitleDocument._meta.label_lower, serial)
    if found is None:
        return None
    code = TitleDocument.objects.get(serial=found.serial).verification_code
    path = reverse("certificates:title_document_verify", kwargs={"code": code})
    return dataclasses.replace(found, verification_path=path)


def flagged_title_documents() -> QuerySet[TitleDocument]:
    """Title-application documents whose PDF no font could draw."""
    return TitleDocument.objects.exclude(render_blocked="")


def blocked_title_documents() -> list:
    """Title-application documents whose PDF no font could draw (provincial HR's list)."""
    from certificates.registry import BlockedCertificate

    return [
        BlockedCertificate(
            kind=_("Certificates for a title application (one document)"),
            serial=d.serial,
            name=d.real_name,
            characters=d.render_blocked,
            issued_on=timezone.localdate(d.issued_at),
            download_url=reverse("certificates:title_document_pdf", kwargs={"pk": d.pk}),
        )
        for d in flagged_title_documents()
    ]
