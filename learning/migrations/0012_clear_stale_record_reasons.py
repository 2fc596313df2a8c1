from django.db import migrations


def clear_stale_reasons(apps, schema_editor):
    """Records rejected on arrival and processed successfully before `reprocess`
    cleared the reason still hold the old rejection reason beside 已计入. A record
    shows only its current outcome: move each such reason into the audit log (where
    the history is kept), then clear it."""
    PlatformRecord = apps.get_model("learning", "PlatformRecord")
    AuditLog = apps.get_model("portal", "AuditLog")
    stale = (
        PlatformRecord.objects.filter(resolved=True)
        .exclude(outcome="rejected")
        .exclude(reason="")
        .order_by("pk")
    )
    AuditLog.objects.bulk_create(
        AuditLog(
            actor=None,
            action="learning.platform_record.reason_cleared",
            payload={"record": pk, "outcome": outcome, "reason": reason},
        )
        for pk, outcome, reason in stale.values_list("pk", "outcome", "reason").iterator()
    )
    stale.update(reason="")


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0011_filing_plan_version"),
        ("portal", "0003_auditlog"),
    ]

    operations = [migrations.RunPython(clear_stale_reasons, migrations.RunPython.noop)]
