"""The kinds of document a title application carries beside the annual certificate:
eligibility statements (certificates.statements) and title-application documents
(certificates.title_documents).

Each kind is a `DocumentKind`: its model (a certificates.models.IssuedDocument), its
name, its public verification page and its download. From those it answers what the
registry (certificates.registry) asks of every kind — the lookup by serial and name
on /verify/, the verification of a signed file, the flagged PDFs provincial HR
resolves, the rows of 我的证书 — so that the kinds differ only in what they state.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from certificates import registry
from certificates.services import document_stored
from portal.identity import normalize_name

# A second identical request within this time returns the first document: a double
# click on "issue" makes one document, not two serials for the same content.
REPEAT_WINDOW = datetime.timedelta(minutes=1)


@dataclasses.dataclass(frozen=True)
class Revocation:
    """Why a document no longer holds: when (local date), the reason's category as
    the public may read it, and the certificate in it that was revoked."""

    on: datetime.date | None
    reason: str
    certificate_serial: str = ""


@dataclasses.dataclass(frozen=True, eq=False)
class DocumentKind:
    model: type
    name: str  # how lists name the kind (a lazy translation)
    verify_url_name: str  # the public verification page, by verification code
    pdf_url_name: str  # the download, by pk
    # revocation(document): what revoked it, or None; no function: never revoked.
    revocation: Callable[[object], Revocation | None] | None = None

    def verification_path(self, document) -> str:
        return reverse(self.verify_url_name, kwargs={"code": document.verification_code})

    def download_url(self, document) -> str:
        return reverse(self.pdf_url_name, kwargs={"pk": document.pk})

    def find(self, serial: str, name: str) -> str | None:
        """The verification path of the document numbered `serial` whose holder's
        name, in normal form, is `name`; None otherwise (/verify/'s lookup)."""
        document = self.model.objects.filter(serial=serial).first()
        if document is None or normalize_name(document.real_name) != name:
            return None
        return self.verification_path(document)

    def find_signed(self, serial: str) -> registry.SignedDocument | None:
        """The document numbered `serial` as /verify/'s check of a file shows it: the
        registry's details of any document, its verification page, and revoked when
        `revocation` says so."""
        document = self.model.objects.filter(serial=serial).first()
        if document is None:
            return None
        shown = {"verification_path": self.verification_path(document)}
        revoked = self.revocation(document) if self.revocation else None
        if revoked is not None:
            shown.update(revoked=True, revoked_on=revoked.on, revoked_reason=revoked.reason)
        return registry.signed_document_of(document, **shown)

    def flagged(self) -> QuerySet:
        """The documents whose PDF no font could draw."""
        return self.model.objects.exclude(render_blocked="")

    def blocked(self) -> list[registry.BlockedCertificate]:
        """The flagged documents as provincial HR's list shows them."""
        return [
            registry.BlockedCertificate(
                kind=str(self.name),
                serial=d.serial,
                name=d.real_name,
                characters=d.render_blocked,
                issued_on=timezone.localdate(d.issued_at),
                download_url=self.download_url(d),
            )
            for d in self.flagged()
        ]

    def held(
        self, document, *, subject: str, valid: bool, status: str, reason: str = ""
    ) -> registry.HeldCertificate:
        """The document as its holder's 我的证书 lists it; the caller says what it
        states (`subject`) and its state now."""
        return registry.HeldCertificate(
            kind=str(self.name),
            serial=document.serial,
            subject=subject,
            hours="",
            issued_on=timezone.localdate(document.issued_at),
            valid=valid,
            status=status,
            reason=reason,
            download_url=self.download_url(document),
            ready=document_stored(document),
        )

    def register(self, *, held: registry.Provider) -> None:
        """Register the kind with certificates.registry (from AppConfig.ready())."""
        registry.register_provider(held)
        registry.register_finder(self.find)
        registry.register_signed_kind(self.model._meta.label_lower, self.find_signed)
        registry.register_blocked_provider(self.blocked, flagged=self.flagged)


def recent_twin(queryset: QuerySet, same: Callable[[object], bool]):
    """The newest document of `queryset` issued within REPEAT_WINDOW for which
    `same(document)` holds, or None. Call inside the issuing transaction, after
    locking the person (see lock_person), so that two requests cannot both miss it."""
    since = timezone.now() - REPEAT_WINDOW
    for document in queryset.filter(issued_at__gte=since).order_by("-issued_at", "-id"):
        if same(document):
            return document
    return None


def lock_person(person):
    """Lock the person's row until the transaction ends (the lock certificate_issue
    takes too): a person's documents are issued one at a time."""
    from portal.models import User

    return User.objects.select_for_update(of=("self",)).get(pk=person.pk)
