"""Races of the documents a title application carries, with real transactions in two
or more threads (as tests/certificates/test_issue.py races certificate_issue): serials
never repeat or skip, a person-year never gets two valid certificates, a double
click never makes two statements."""

import pytest
from django.db import transaction

from certificates.batches import batch_issue_chunk
from certificates.models import Certificate, EligibilityStatement, IssuanceBatch
from certificates.past_years import past_year_certificate_request
from certificates.services import CertificateError, allocate_document_serial
from certificates.statements import statement_issue
from portal.models import Role
from tests.certificates.conftest import make_compliant, race
from tests.credits.test_eligibility import credit_every_year
from tests.factories import UnitFactory, make_member, make_professional

PAST = 2022


def allocate(prefix="SDZM", year=2026) -> str:
    with transaction.atomic():
        return allocate_document_serial(prefix, year)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestRaces:
    def test_concurrent_document_serials_are_unique_and_without_gaps(self):
        results = race([allocate] * 8)

        assert sorted(results) == [f"SDZM2026{n:06d}" for n in range(1, 9)]
        assert allocate("SDHD") == "SDHD2026000001"  # a counter per kind of document

    def test_a_past_year_request_racing_a_range_batch_gives_one_valid_certificate(
        self, eager_celery
    ):
        unit = UnitFactory()
        hr = make_member(Role.UNIT_HR, unit=unit)
        person = make_compliant(make_professional(unit), PAST)
        batch = IssuanceBatch.objects.create(
            year=PAST - 1, end_year=PAST + 1, unit=unit, requested_by=hr, total=1
        )

        results = race(
            [
                lambda: past_year_certificate_request(
                    person=person, year=PAST, requested_by=person
                ),
                lambda: batch_issue_chunk(batch.pk, [person.pk]),
            ],
            expected=(CertificateError,),
        )

        assert len(results) == 2
        valid = Certificate.objects.filter(
            person=person, year=PAST, status=Certificate.Status.VALID
        )
        assert valid.count() == 1
        assert Certificate.objects.filter(person=person).count() == 1
        assert valid.get().serial == f"SD{PAST}000001"
        # The request lost (the batch records no failure for a certificate that
        # exists), or it won and the batch found its certificate.
        refusals = [str(r) for r in results if isinstance(r, CertificateError)]
        assert all(f"已持有{PAST}年度有效证书" in r for r in refusals)
        assert not batch.failures.exists()

    def test_a_double_click_racing_itself_issues_one_statement(self, eager_celery):
        person = make_professional(UnitFactory())
        credit_every_year(person)

        results = race(
            [
                lambda: statement_issue(
                    person=person, start_year=2022, end_year=2025, issued_by=person
                )
            ]
            * 2
        )

        statement = EligibilityStatement.objects.get()
        assert [r.pk for r in results] == [statement.pk, statement.pk]
