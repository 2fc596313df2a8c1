"""The audit log: one row per change of state, named with a dotted action.

Every action the code base writes has a Chinese label in portal/audit_labels.py, shown
wherever the log is read (the Django admin's 操作日志). A test walks the code for
`audit_log(action=...)` and fails on an action without a label, so write the action as
a literal string (or a conditional between literals, or a look-up in a module-level
dict of literals).
"""

from portal.models import AuditLog

# The action labels live in portal/audit_labels.py, below the models (AuditLog reads
# them): add the label of a new action there.


def audit_log(*, actor, action: str, **payload) -> AuditLog:
    """Record a change of state. Payload values must be JSON-serialisable."""
    return AuditLog.objects.create(actor=actor, action=action, payload=payload)
