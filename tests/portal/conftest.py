import pytest


class AuditDown(Exception):
    """What the audit log raises under the `audit_down` fixture."""


@pytest.fixture
def audit_down(monkeypatch):
    """The audit log of the portal's services refuses to write (raises the exception
    class this returns): the change it would record must not stay."""

    def refuse(**kwargs):
        raise AuditDown

    for module in ("portal.accounts", "portal.registration", "portal.transfers"):
        monkeypatch.setattr(f"{module}.audit_log", refuse)
    return AuditDown
