"""Certificates of other kinds that a person holds, shown in 我的证书 beside the annual ones.

The apps that issue them (digital_engineer's 培训合格证书) sit above `certificates` in
the app order and may import it, never the other way round. So such an app registers
a provider here from its AppConfig.ready(), and the 我的证书 page asks the registry,
knowing nothing of the app behind each provider.
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


def held_by(user) -> list[HeldCertificate]:
    """Every registered provider's certificates of `user`, newest first."""
    held = [certificate for provider in _providers for certificate in provider(user)]
    return sorted(held, key=lambda c: c.issued_on, reverse=True)
