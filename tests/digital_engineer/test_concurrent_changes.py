"""Two changes of one row at the same moment (two HR officers, a double click) are
decided one after the other: the second sees the first, and the audit log records
what happened once."""

import pytest

from digital_engineer.models import InstitutionState, TrainingCertificate
from digital_engineer.services import (
    ProgrammeError,
    certificate_revoke,
    institution_set_status,
)
from portal.models import AuditLog, Membership
from tests.conftest import race_behind_a_row_lock
from tests.factories import make_training_certificate


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
