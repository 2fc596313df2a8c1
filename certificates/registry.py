"""Certificates of other kinds: shown in 我的证书 beside the annual ones, and found by
the public lookup on /verify/ by serial and name.

The apps that issue them (digital_engineer's 培训合格证书) sit above `certificates` in
the app order and may import it, never the other way round. So such an app registers
a provider and a finder here from its AppConfig.ready(), and the pages ask the
registry, knowing nothing of the app behind each.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


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

_blocked_providers: list[BlockedProvider] = []


def register_blocked_provider(provider: BlockedProvider) -> None:
    """Add `provider() -> list[BlockedCertificate]` (every flagged certificate of its
    kind); registering it twice adds it once."""
    if provider not in _blocked_providers:
        _blocked_providers.append(provider)


def blocked() -> list[BlockedCertificate]:
    """Every registered kind's flagged certificates."""
    return [certificate for provider in _blocked_providers for certificate in provider()]
