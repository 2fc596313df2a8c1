"""Certificates of other kinds: shown in 我的证书 beside the annual ones, and found by
the public lookup on /verify/ by serial and name.

The apps that issue them (digital_engineer's 培训合格证书) sit above `certificates` in
the app order and may import it, never the other way round. So such an app registers
a provider and a finder here from its AppConfig.ready(), and the pages ask the
registry, knowing nothing of the app behind each.

Verification of a file (the PDF dropped on /verify/). Every document stored through
`certificates.services.document_render_store` is signed, and its signed file carries
its kind — the model's label, ``app_label.modelname`` — and its `serial`
(certificates.signing). The page finds the document by those two: a kind registers
`register_signed_kind(label, find)` from its AppConfig.ready(), `find(serial)`
returning a `SignedDocument` (its stored SHA-256, whether and why it was revoked, the
masked details its verification page shows) or None. A kind that registers nothing
is still found, by `model_document`: any model with `serial` and `pdf_sha256`
fields, revoked when it has a `revoked_at` set or a `status` of "revoked" (the
reason's category its `revocation_category`, `revocation_category_label`), its
details the name, masked ID number, unit, issuer and issue date it has of those. So
a new kind of document needs no change here to be verified as a file; registering
shows its own details.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HeldCertificate:
    """One certificate as its holder's list shows it (all text already in Chinese)."""

    kind: str  # what the certificate is, e.g. 数字技术工程师培训合格证书
    serial: str
    subject: str  # what it certifies, e.g. 人工智能（初级）· the institution
    hours: str  # the hours it states, as printed on it
    issued_on: datetime.date
    valid: bool
    status: str  # 有效 / 已撤销
    reason: str  # why it was revoked ("" while valid)
    download_url: str  # the download view; it says so while the PDF is being prepared
    ready: bool  # the PDF is stored


Provider = Callable[[object], list[HeldCertificate]]

_providers: list[Provider] = []


def register_provider(provider: Provider) -> None:
    """Add `provider(user) -> list[HeldCertificate]`; registering it twice adds it once."""
    if provider not in _providers:
        _providers.append(provider)


Finder = Callable[[str, str], str | None]

_finders: list[Finder] = []


def register_finder(finder: Finder) -> None:
    """Add `finder(serial, name) -> verification path or None`, for /verify/'s lookup.
    `name` comes in normal form (portal.identity.normalize_name); registering twice
    adds it once."""
    if finder not in _finders:
        _finders.append(finder)


def verification_path(serial: str, name: str) -> str | None:
    """The verification page of the registered kind of certificate with this serial
    whose holder has this name, or None."""
    for finder in _finders:
        if path := finder(serial, name):
            return path
    return None


def held_by(user) -> list[HeldCertificate]:
    """Every registered provider's certificates of `user`, newest first."""
    held = [certificate for provider in _providers for certificate in provider(user)]
    return sorted(held, key=lambda c: c.issued_on, reverse=True)


@dataclass(frozen=True)
class BlockedCertificate:
    """A certificate whose PDF was refused because no font draws part of its text
    (portal.pdf.MissingGlyphs), as provincial HR's list shows it."""

    kind: str
    serial: str
    name: str  # the holder's name as the certificate states it
    characters: str  # the characters no font draws
    issued_on: datetime.date
    download_url: str


BlockedProvider = Callable[[], list[BlockedCertificate]]
FlaggedRows = Callable[[], Any]  # () -> the QuerySet of a kind's flagged rows

_blocked_providers: list[BlockedProvider] = []
_flagged_rows: dict[BlockedProvider, FlaggedRows] = {}


def register_blocked_provider(
    provider: BlockedProvider, *, flagged: FlaggedRows | None = None
) -> None:
    """Add `provider() -> list[BlockedCertificate]` (every flagged certificate of its
    kind) and `flagged() -> QuerySet` of the same rows, which lets provincial HR's
    home page count every kind in one query (`blocked_count`); registering it twice
    adds it once."""
    if provider not in _blocked_providers:
        _blocked_providers.append(provider)
    if flagged is not None:
        _flagged_rows[provider] = flagged


def blocked_count(*also) -> int:
    """How many certificates every registered kind has flagged, and the rows of the
    querysets `also`: one query for all the kinds that registered their rows."""
    from portal.selectors import counts

    querysets = [*also, *(_flagged_rows[p]() for p in _blocked_providers if p in _flagged_rows)]
    listed = sum(len(p()) for p in _blocked_providers if p not in _flagged_rows)
    return listed + sum(counts(**{f"kind{i}": qs for i, qs in enumerate(querysets)}).values())


def blocked() -> list[BlockedCertificate]:
    """Every registered kind's flagged certificates."""
    return [certificate for provider in _blocked_providers for certificate in provider()]


@dataclass(frozen=True)
class SignedDocument:
    """A stored document as the verification of its file shows it (all text already
    in Chinese, personal data masked as its verification page masks it)."""

    kind: str  # what the document is, e.g. 专业技术人员继续教育电子证书
    serial: str
    pdf_sha256: str  # of the signed file as stored ("" while none is)
    revoked: bool
    revoked_on: datetime.date | None  # when it was revoked, where known
    revoked_reason: str  # the reason's category as the public may read it ("" while valid)
    details_template: str  # renders the masked details from `details`
    details: dict  # the template's context
    verification_path: str = ""  # its verification page, if it has one


SignedFinder = Callable[[str], SignedDocument | None]

_signed_kinds: dict[str, SignedFinder] = {}


def register_signed_kind(label: str, find: SignedFinder) -> None:
    """Register `find(serial) -> SignedDocument | None` for the documents of the model
    labelled `label` (``app_label.modelname``, lower case, as `document_render_store`
    embeds it); registering again replaces it."""
    _signed_kinds[label.lower()] = find


def signed_document(label: str, serial: str) -> SignedDocument | None:
    """The document of kind `label` numbered `serial`: by its registered finder, else
    by `model_document`; None when there is none."""
    if not label or not serial:
        return None
    find = _signed_kinds.get(label.lower())
    if find is not None:
        return find(serial)
    return model_document(label, serial)


GENERIC_DETAILS_TEMPLATE = "certificates/_document_details.html"


def local_date(value: datetime.date | datetime.datetime | None) -> datetime.date | None:
    """The local calendar date of a DateTimeField's value, a DateField's value as it
    is, None for None (timezone.localdate refuses a plain date)."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


def model_document(label: str, serial: str) -> SignedDocument | None:
    """The document of any model labelled `label` with `serial` and `pdf_sha256`
    fields, as a SignedDocument with the details it has (see the module docstring);
    None when there is no such model or no such document."""
    from django.apps import apps

    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    if not {"serial", "pdf_sha256"} <= {f.name for f in model._meta.concrete_fields}:
        return None
    document = model._default_manager.filter(serial=serial).first()
    return None if document is None else signed_document_of(document)


def signed_document_of(document, **shown) -> SignedDocument:
    """`document` (an instance of a model with `serial` and `pdf_sha256` fields) as
    the verification of its file shows it: the one builder behind `model_document`
    and every registered kind's finder. Revoked when it has a `revoked_at` set or a
    `status` of "revoked" (the reason's category: revocation_category_label); its
    details the name, masked ID number, unit, issuer and issue date it has of those,
    shown with the generic template. `shown` replaces any of these (a kind's own
    name, details template and details, its verification path, its revocation)."""
    from portal.identity import mask_id_number

    names = {f.name for f in type(document)._meta.concrete_fields}
    revoked_at = getattr(document, "revoked_at", None)
    revoked = revoked_at is not None or getattr(document, "status", None) == "revoked"
    issued_at = getattr(document, "issued_at", None)
    return SignedDocument(
        **{
            "kind": str(type(document)._meta.verbose_name),
            "serial": document.serial,
            "pdf_sha256": document.pdf_sha256,
            "revoked": revoked,
            "revoked_on": local_date(revoked_at),
            "revoked_reason": revocation_category_label(document) if revoked else "",
            "details_template": GENERIC_DETAILS_TEMPLATE,
            "details": {
                "name": getattr(document, "real_name", ""),
                "masked_id": mask_id_number(document.id_number) if "id_number" in names else "",
                "unit": getattr(document, "unit_name", ""),
                "issuer": getattr(document, "issuer_name", ""),
                "issued_on": local_date(issued_at),
            },
            **shown,
        }
    )


def revocation_category_label(document) -> str:
    """The category of a revoked document's reason, as the public reads it on its
    verification page and in the check of its file (the reason itself is free text
    for the issuer's records): its `revocation_category`
    (certificates.models.RevocationCategory, chosen by whoever revoked it), or
    "other" for a document that records none."""
    from certificates.models import RevocationCategory

    value = getattr(document, "revocation_category", "") or RevocationCategory.OTHER
    return str(RevocationCategory(value).label)
