from portal.models import AuditLog


def audit_log(*, actor, action: str, **payload) -> AuditLog:
    """Record a change of state. Payload values must be JSON-serialisable."""
    return AuditLog.objects.create(actor=actor, action=action, payload=payload)
