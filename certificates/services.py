"""Issuing, rendering and revoking annual certificates.

`certificate_issue` is the only way a certificate comes to be: it checks the year
against its rule, holds a lock on the person so that two issue requests cannot both
pass the "no valid certificate yet" check, allocates the serial in the same
transaction, and snapshots what the certificate says. Rendering the PDF is separate
and idempotent (`certificate_render`), so a task that runs twice writes one file.
"""

import hashlib
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import (
    Certificate,
    DocumentSerialCounter,
    RevocationCategory,
    SerialCounter,
)
from certificates.signing import sign_pdf
from credits.selectors import year_status
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import mask_id_number
from portal.models import ReviewStatus, User
from portal.pdf import MissingGlyphs, missing_glyphs_message, render_pdf
from portal.selectors import unit_in_year

PROVINCIAL_ISSUER = "山东省人力资源和社会保障厅"
STYLESHEET = settings.BASE_DIR / "templates" / "certificates" / "certificate.css"


class CertificateError(Refused):
    """A refusal of the certificate services the user reads, in Chinese (a
    portal.actions.Refused: the views' action helpers show it as it is)."""


def render_blocked_reason(characters: str) -> str:
    """Why a certificate's PDF was not generated, as HR and the holder read it."""
    return missing_glyphs_message(characters)


def issuer_for(unit) -> str:
    """Self-evaluating units issue their own certificates (鲁人社字〔2021〕167号)."""
    return unit.name if unit.is_self_evaluating else PROVINCIAL_ISSUER


def allocate_serial(year: int) -> str:
    """Next serial of the year, e.g. SD2025000042; call inside the issuing transaction."""
    SerialCounter.objects.bulk_create([SerialCounter(year=year)], ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_serialcounter SET last = last + 1 WHERE year = %s RETURNING last",
            [year],
        )
        number = cursor.fetchone()[0]
    return f"SD{year}{number:06d}"


def allocate_document_serial(prefix: str, year: int) -> str:
    """Next serial of a kind of document (`prefix`, e.g. "SDZM") in `year`, e.g.
    SDZM2026000001: the same scheme as allocate_serial, with a counter per prefix and
    year; call inside the issuing transaction (a rollback gives the number back)."""
    DocumentSerialCounter.objects.bulk_create(
        [DocumentSerialCounter(prefix=prefix, year=year)], ignore_conflicts=True
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_documentserialcounter SET last = last + 1"
            " WHERE prefix = %s AND year = %s RETURNING last",
            [prefix, year],
        )
        number = cursor.fetchone()[0]
    return f"{prefix}{year}{number:06d}"


def certificate_issue(*, person, year: int, issued_by, batch=None, render: bool = True):
    """Issue the person's certificate for `year`; CertificateError says why not.

    Steps: lock the person's row (concurrent requests for one person queue here);
    refuse if a valid certificate exists or the year misses its rule; allocate the
    serial; store the snapshot; after commit, queue the PDF rendering (unless the
    caller renders itself, as batches do).
    """
    with transaction.atomic():
        person = (
            User.objects.select_for_update(of=("self",))
            .select_related("profile__unit")
            .get(pk=person.pk)
        )
        if Certificate.objects.filter(
            person=person, year=year, status=Certificate.Status.VALID
        ).exists():
            raise CertificateError(
                _("%(name)s already holds a valid certificate for %(year)s.")
                % {"name": person.real_name, "year": year}
            )
        profile = getattr(person, "profile", None)
        if profile is None or profile.status != ReviewStatus.APPROVED:
            raise CertificateError(
                _("%(name)s is not a professional.") % {"name": person.real_name}
            )
        status = year_status(person, year)
        if not status.met:
            raise CertificateError(
                _("%(year)s does not meet its rule: %(missing)s.")
                % {"year": year, "missing": "；".join(status.shortfalls())}
            )
        # The unit she belonged to at the end of `year` (portal.selectors.unit_in_year:
        # her unit history), not the one she is in now: a certificate of 2022 issued
        # after a transfer in 2024 names the unit of 2022, and its issuer.
        unit = unit_in_year(person, year)
        certificate = Certificate.objects.create(
            person=person,
            year=year,
            serial=allocate_serial(year),
            real_name=person.real_name,
            id_number=person.id_number,
            unit=unit,
            unit_name=unit.name,
            public_hours=status.public,
            professional_hours=status.professional,
            total_hours=status.total,
            issuer_name=issuer_for(unit),
            issued_by=issued_by,
            batch=batch,
        )
        audit_log(
            actor=issued_by,
            action="certificates.certificate.issued",
            certificate=certificate.pk,
            serial=certificate.serial,
        )
        if render:
            render_certificate.delay_on_commit(certificate.pk)
    return certificate


def portal_url(path: str) -> str:
    """The absolute address of `path` (a site path such as "/verify/…") on the portal.

    Built from settings.PORTAL_BASE_URL, never from a request: a QR code printed on a
    PDF outlives the request (and the worker that renders it has none), and must open
    wherever the portal really is. Every verification link goes through here.
    """
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def verification_url(certificate: Certificate) -> str:
    """The absolute address of the certificate's public verification page (its QR
    code), on the portal's configured address (portal_url)."""
    return portal_url(
        reverse("certificates:verify", kwargs={"code": certificate.verification_code})
    )


def document_stored(instance) -> bool:
    """Whether `instance` (anything with a `pdf` file field) records a PDF that is
    really in storage, with its SHA-256 where the model keeps one."""
    if getattr(instance, "pdf_sha256", True) == "":
        return False
    return bool(instance.pdf) and instance.pdf.storage.exists(instance.pdf.name)


def document_render_store(
    *, instance, html: Callable[[], str], name: str, stylesheets=(), issuer: str = "", **fields
):
    """Render `instance`'s PDF and store it as its `pdf` file, once: the one path by
    which annual certificates, training certificates and bundles get their file.
    Returns the instance as stored (this run's file, or a concurrent run's).

    Steps:
    1. Stop if the file the row records is in storage: a repeat writes nothing.
    2. Render `html()` with the pure renderer, and sign the PDF with the portal's key
       (certificates.signing.sign_pdf), embedding the model's label and the
       instance's `serial` (if it has one) so that /verify/ can find it from the
       file (certificates.registry.register_signed_kind). The seal shows `issuer`,
       else the instance's `issuer_name`, else the provincial HR department; it goes
       where the kind's template reserved its place (an element
       ``id="portal-seal"``, certificates.signing.seal_spot), so that it covers no
       text of that kind of document.
    3. Save the bytes under `name`. The storage never overwrites: if `name` is taken
       (a concurrent run's file, or one a worker that died before recording it left
       behind) this run's file gets a name of its own, so no run can delete or
       replace a file another run records.
    4. Record it with a conditional UPDATE, only while the row still records what this
       run read in step 1 (nothing, or a file since lost), together with its SHA-256
       (of the signed file) where the model has `pdf_sha256` and any `fields` (a
       bundle's status).
    5. Lost the race (0 rows): delete this run's own file and return the winner's.
       Won: delete a leftover file under `name` that is not the one recorded.

    A text with a character no certificate font draws is not rendered (it would
    print an empty box): a model with `render_blocked` records the characters and
    the refusal is audited once (provincial HR lists these, see
    `blocked_certificates`); for any other model MissingGlyphs propagates. A later
    run that can draw them (a font was added, the name corrected) clears the flag.
    """
    model = type(instance)
    if document_stored(instance):
        return instance
    seen = instance.pdf.name or ""
    blockable = _has_field(model, "render_blocked")
    try:
        data = render_pdf(html(), stylesheets=stylesheets, refuse_missing_glyphs=True)
    except MissingGlyphs as missing:
        if not blockable:
            raise
        document_render_block(instance=instance, characters=missing.characters)
        return instance
    if settings.SIGN_DOCUMENTS:
        data = sign_pdf(
            data,
            kind=model._meta.label_lower,
            serial=getattr(instance, "serial", "") or "",
            issuer=issuer or getattr(instance, "issuer_name", "") or PROVINCIAL_ISSUER,
        )
    storage = model._meta.get_field("pdf").storage
    stored = storage.save(name, ContentFile(data))
    if _has_field(model, "pdf_sha256"):
        fields["pdf_sha256"] = hashlib.sha256(data).hexdigest()
    if blockable:
        fields["render_blocked"] = ""
    recorded = model.objects.filter(pk=instance.pk, pdf=seen).update(pdf=stored, **fields)
    if not recorded:
        storage.delete(stored)
    elif stored != name:
        storage.delete(name)  # a dead worker's leftover, never recorded
    instance.refresh_from_db(fields=["pdf", *fields])
    return instance


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


# Written out in full, so that every action the code writes can be found and labelled.
RENDER_BLOCKED_ACTIONS = {
    "certificates.certificate": "certificates.certificate.render_blocked",
    "digital_engineer.trainingcertificate": "digital_engineer.trainingcertificate.render_blocked",
    "certificates.eligibilitystatement": "certificates.statement.render_blocked",
    "certificates.titledocument": "certificates.title_document.render_blocked",
}


def document_render_block(*, instance, characters: str) -> None:
    """Flag `instance` (a certificate of any kind) as not renderable because no font
    draws `characters`; audited the first time (a retry that is refused again adds
    no second entry)."""
    model = type(instance)
    characters = characters[: model._meta.get_field("render_blocked").max_length]
    with transaction.atomic():
        flagged = (
            model.objects.filter(pk=instance.pk)
            .exclude(render_blocked=characters)
            .update(render_blocked=characters)
        )
        if flagged:
            audit_log(
                actor=None,
                action=RENDER_BLOCKED_ACTIONS[model._meta.label_lower],
                certificate=instance.pk,
                serial=getattr(instance, "serial", ""),
                characters=characters,
                code_points=[f"U+{ord(c):04X}" for c in characters],
            )
    instance.refresh_from_db(fields=["render_blocked"])


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG markup (error correction M, 3 px modules)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def certificate_context(certificate: Certificate) -> dict:
    """What one page of certificate_pdf.html shows of `certificate`: itself, the
    masked ID number, its verification address and that address's QR code."""
    url = verification_url(certificate)
    return {
        "certificate": certificate,
        "masked_id": mask_id_number(certificate.id_number),
        "verify_url": url,
        "qr": qr_svg(url),
    }


def certificate_html(certificates: list[Certificate], *, seal: bool = True) -> str:
    """One page per certificate; a bundle is the same template with many pages. The
    first page reserves the electronic seal's place (certificates.signing.seal_spot)
    unless `seal` is False (pages that follow another document's first page)."""
    pages = [certificate_context(c) for c in certificates]
    return render_to_string("certificates/certificate_pdf.html", {"pages": pages, "seal": seal})


def certificate_render(certificate_id: int) -> Certificate:
    """Render and store the PDF once; a repeat finds it done and writes nothing."""
    certificate = Certificate.objects.get(pk=certificate_id)
    return document_render_store(
        instance=certificate,
        html=lambda: certificate_html([certificate]),
        name=f"certificates/{certificate.year}/{certificate.serial}.pdf",
        stylesheets=(STYLESHEET,),
    )


# The task is defined beside the work it does and registered under its old name
# (queued messages name it so; certificates.tasks re-exports it for autodiscovery).
# No retry options: nothing here retries. A render that fails is logged by the
# worker and leaves the certificate without its PDF (its download says it is being
# prepared); queued again, the task renders it then.
@shared_task(
    name="certificates.tasks.render_certificate", acks_late=True, reject_on_worker_lost=True
)
def render_certificate(certificate_id: int) -> None:
    """Render and store an annual certificate's PDF (queued on commit by
    certificate_issue; safe to run twice)."""
    certificate_render(certificate_id)


def certificate_revoke(
    *, certificate: Certificate, category: str, reason: str, revoked_by
) -> Certificate:
    """Revoke a valid certificate; returns it as stored.

    `category` is a RevocationCategory value (information corrected and reissued,
    hours reduced on review, falsified records, other): what the public reads on
    the verification page and in the check of the file (certificates.registry.
    revocation_category_label). `reason` is free text for the issuer's records
    (trimmed; the form allows 200 characters), never shown to the public. A
    correction after issuance revokes the old number; a new certificate of the year
    can then be issued (RULES.md, Certificates).

    Once: the revocation is a conditional UPDATE, so of two at the same moment one
    revokes and the other gets CertificateError. Raises CertificateError (in
    Chinese, nothing written) for a missing reason, a category that is not one of
    RevocationCategory, or a certificate already revoked. Audited
    (certificates.certificate.revoked, with the reason and the category).
    """
    reason = (reason or "").strip()
    if category not in RevocationCategory.values:
        raise CertificateError(_("Choose the category of the reason for revocation."))
    if not reason:
        raise CertificateError(_("A reason is required to revoke a certificate."))
    with transaction.atomic():
        updated = Certificate.objects.filter(
            pk=certificate.pk, status=Certificate.Status.VALID
        ).update(
            status=Certificate.Status.REVOKED,
            revoked_at=timezone.now(),
            revoked_reason=reason,
            revocation_category=category,
            revoked_by=revoked_by,
        )
        if not updated:
            raise CertificateError(_("This certificate has already been revoked."))
        audit_log(
            actor=revoked_by,
            action="certificates.certificate.revoked",
            certificate=certificate.pk,
            serial=certificate.serial,
            reason=reason,
            category=category,
        )
    certificate.refresh_from_db()
    return certificate
