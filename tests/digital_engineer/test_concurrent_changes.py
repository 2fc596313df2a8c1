"""Two changes of one row at the same moment (two HR officers, a double click) are
decided one after the other: the second sees the first, and the audit log records
what happened once."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from digital_engineer.models import InstitutionState, TrainingCertificate
from digital_engineer.services import (
    ProgrammeError,
    certificate_revoke,
    institution_set_status,
)
from portal.models import AuditLog, Membership
from tests.factories import make_training_certificate


def race_behind_a_row_lock(model, pk, jobs) -> list:
    """Run `jobs` in threads while this test holds the lock on the row `pk` of
    `model`, and let go only once every job waits for the database: all of them have
    read whatever they read before any of them writes. Returns the results (or the
    ProgrammeErrors)."""
    results = []

    def run(job):
        try:
            results.append(job())
        except ProgrammeError as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    with transaction.atomic():
        model.objects.select_for_update().filter(pk=pk).values_list("pk").get()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0] >= len(jobs):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the jobs never waited for the row lock")
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_suspensions_at_once_suspend_once(institution, province_hr):
    state, _created = InstitutionState.objects.update_or_create(
        institution=institution, defaults={"status": InstitutionState.Status.LISTED}
    )
    actor = Membership.objects.get(user=province_hr)
    suspend = lambda: institution_set_status(actor=actor, institution=institution, suspend=True)  # noqa: E731
    race_behind_a_row_lock(InstitutionState, state.pk, [suspend, suspend])
    state.refresh_from_db()
    assert state.status == InstitutionState.Status.SUSPENDED
    assert AuditLog.objects.filter(action="digital_engineer.institution.suspended").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_revocations_at_once_revoke_once(institution, jinan, alice, province_hr):
    certificate = make_training_certificate(institution, jinan, alice)

    def revoke(reason):
        return lambda: certificate_revoke(
            certificate=TrainingCertificate.objects.get(pk=certificate.pk),
            category="other",
            reason=reason,
            revoked_by=province_hr,
        )

    results = race_behind_a_row_lock(
        TrainingCertificate, certificate.pk, [revoke("学时不实"), revoke("重复发证")]
    )
    refused = [r for r in results if isinstance(r, ProgrammeError)]
    assert [str(r) for r in refused] == ["该证书已被撤销。"]
    assert AuditLog.objects.filter(action="digital_engineer.certificate.revoked").count() == 1
    certificate.refresh_from_db()
    [revoked] = [r for r in results if not isinstance(r, ProgrammeError)]
    assert certificate.revoked_reason == revoked.revoked_reason
