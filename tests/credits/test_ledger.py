"""The ledger's promise: never lose an hour, never count one twice."""

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction

from credits import services
from credits.models import Category, CreditEntry, PersonYearTotal, Source
from credits.selectors import ledger_differences, year_status
from credits.services import (
    CreditRecord,
    LedgerError,
    credit_post,
    credit_post_batch,
    credit_reverse,
)
from portal.models import ReviewStatus
from tests.factories import UnitFactory, make_professional


def post(person, hours="2.0", ref="c-1", category=Category.PUBLIC, year=2025, **extra):
    return credit_post(
        person=person,
        year=year,
        category=category,
        hours=hours,
        source=extra.pop("source", Source.COURSE),
        source_ref=ref,
        **extra,
    )


def totals(person, year=2025):
    status = year_status(person, year)
    return status.public, status.professional


@pytest.mark.django_db
class TestPost:
    def test_post_credits_the_hours(self, alice):
        entry, created = post(alice, "2.5")
        assert created
        assert entry.hours == Decimal("2.5")
        assert totals(alice) == (Decimal("2.5"), Decimal(0))

    def test_second_post_of_the_same_source_returns_the_first(self, alice):
        first, _ = post(alice, "2.0")
        again, created = post(alice, "2.0")
        assert not created
        assert again.pk == first.pk
        assert CreditEntry.objects.count() == 1
        assert totals(alice) == (Decimal("2.0"), Decimal(0))

    def test_same_ref_from_another_source_is_another_entry(self, alice):
        post(alice, "2.0", source=Source.COURSE)
        post(alice, "3.0", source=Source.OFFLINE, category=Category.PROFESSIONAL)
        assert totals(alice) == (Decimal("2.0"), Decimal("3.0"))

    @pytest.mark.parametrize(
        ("hours", "message"),
        [
            ("0", "大于零"),
            ("-1", "大于零"),
            ("1.25", "一位小数"),
            ("abc", "数字"),
            ("NaN", "数字"),
            ("5000", "不得超过"),
        ],
    )
    def test_bad_hours_are_refused_and_nothing_is_written(self, alice, hours, message):
        with pytest.raises(LedgerError, match=message):
            post(alice, hours)
        assert not CreditEntry.objects.exists()
        assert not PersonYearTotal.objects.exists()

    def test_year_without_a_rule_is_refused(self, alice):
        with pytest.raises(LedgerError, match="2019"):
            post(alice, year=2019)
        assert not CreditEntry.objects.exists()

    def test_unknown_category_is_refused(self, alice):
        with pytest.raises(LedgerError):
            post(alice, category="sports")

    def test_too_long_texts_are_refused_before_the_database(self, alice):
        with pytest.raises(LedgerError, match="200"):
            post(alice, description="课" * 201)
        with pytest.raises(LedgerError, match="200"):
            post(alice, ref="r" * 201)
        assert not CreditEntry.objects.exists()

    def test_corrections_cannot_be_posted_directly(self, alice):
        with pytest.raises(LedgerError):
            post(alice, source=Source.CORRECTION)


@pytest.mark.django_db
class TestAppendOnly:
    def test_sql_update_is_rejected_by_the_database(self, alice):
        post(alice)
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE credits_creditentry SET hours = 100")
        assert CreditEntry.objects.get().hours == Decimal("2.0")

    def test_sql_delete_is_rejected_by_the_database(self, alice):
        post(alice)
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM credits_creditentry")
        assert CreditEntry.objects.count() == 1

    def test_truncate_is_rejected_unless_the_session_allows_it(self, alice):
        post(alice)
        with (
            pytest.raises(IntegrityError, match="TRUNCATE"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("SET LOCAL credits.allow_truncate = off")
            cursor.execute("TRUNCATE credits_creditentry CASCADE")
        assert CreditEntry.objects.count() == 1

    def test_orm_save_and_delete_are_rejected_too(self, alice):
        entry, _ = post(alice)
        entry.hours = Decimal(50)
        with pytest.raises(IntegrityError), transaction.atomic():
            entry.save()
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditEntry.objects.all().delete()
        assert CreditEntry.objects.get().hours == Decimal("2.0")


@pytest.mark.django_db
class TestReversal:
    def test_reversal_cancels_the_hours_and_keeps_both_entries(self, alice, hr_a):
        entry, _ = post(alice, "8.0", category=Category.PROFESSIONAL)
        post(alice, "3.0", ref="c-2", category=Category.PROFESSIONAL)
        reversal = credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)
        assert reversal.hours == Decimal("-8.0")
        assert reversal.reverses == entry
        assert reversal.source == Source.CORRECTION
        assert totals(alice) == (Decimal(0), Decimal("3.0"))
        assert CreditEntry.objects.filter(person=alice).count() == 3

    def test_an_entry_is_reversed_once_only(self, alice, hr_a):
        entry, _ = post(alice, "8.0")
        credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)
        with pytest.raises(LedgerError, match="已被冲销"):
            credit_reverse(entry=entry, reason="again", reversed_by=hr_a)
        assert totals(alice) == (Decimal(0), Decimal(0))

    def test_a_reversal_cannot_be_reversed(self, alice, hr_a):
        entry, _ = post(alice, "8.0")
        reversal = credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)
        with pytest.raises(LedgerError):
            credit_reverse(entry=reversal, reason="undo", reversed_by=hr_a)

    def test_reason_is_required(self, alice, hr_a):
        entry, _ = post(alice, "8.0")
        with pytest.raises(LedgerError, match="原因"):
            credit_reverse(entry=entry, reason="  ", reversed_by=hr_a)
        assert CreditEntry.objects.count() == 1

    def test_reposting_a_reversed_source_credits_nothing(self, alice, hr_a):
        entry, _ = post(alice, "8.0")
        credit_reverse(entry=entry, reason="错误", reversed_by=hr_a)
        _, created = post(alice, "8.0")
        assert not created
        assert totals(alice) == (Decimal(0), Decimal(0))

    def test_reversal_is_audited(self, alice, hr_a):
        from portal.models import AuditLog

        entry, _ = post(alice, "8.0")
        credit_reverse(entry=entry, reason="错误", reversed_by=hr_a)
        log = AuditLog.objects.get(action="credits.entry.reversed")
        assert log.actor == hr_a
        assert log.payload["entry"] == entry.pk


@pytest.mark.django_db
class TestBatch:
    def records(self, people, count, prefix="r"):
        return [
            CreditRecord(
                person_id=people[i % len(people)].pk,
                year=2025,
                category=Category.PUBLIC if i % 3 else Category.PROFESSIONAL,
                hours=Decimal("1.5"),
                source=Source.PLATFORM,
                source_ref=f"{prefix}-{i}",
            )
            for i in range(count)
        ]

    def test_batch_posts_everything_and_totals_agree(self, alice, bob):
        result = credit_post_batch(self.records([alice, bob], 300))
        assert (result.posted, result.duplicates) == (300, 0)
        assert CreditEntry.objects.count() == 300
        assert ledger_differences() == []
        public, professional = totals(alice)
        assert public + professional == Decimal("1.5") * 150

    def test_replaying_the_batch_credits_nothing(self, alice, bob):
        credit_post_batch(self.records([alice, bob], 300))
        before = totals(alice)
        result = credit_post_batch(self.records([alice, bob], 300))
        assert (result.posted, result.duplicates) == (0, 300)
        assert CreditEntry.objects.count() == 300
        assert totals(alice) == before

    def test_a_partly_new_batch_posts_only_the_new_records(self, alice):
        credit_post_batch(self.records([alice], 10))
        result = credit_post_batch(self.records([alice], 15))
        assert (result.posted, result.duplicates) == (5, 10)

    def test_repeats_inside_one_batch_count_once(self, alice):
        records = self.records([alice], 5) * 2
        result = credit_post_batch(records)
        assert (result.posted, result.duplicates) == (5, 5)
        assert ledger_differences() == []

    def test_one_bad_record_rejects_the_batch_and_writes_nothing(self, alice):
        records = self.records([alice], 10)
        records[7] = CreditRecord(**{**records[7].__dict__, "hours": Decimal("0")})
        with pytest.raises(LedgerError, match="8"):
            credit_post_batch(records)
        assert not CreditEntry.objects.exists()
        assert not PersonYearTotal.objects.exists()

    def test_a_large_batch_posts_everything_once_and_totals_agree(self, alice, bob, monkeypatch):
        # A batch from LARGE_BATCH records on gets more work_mem; lowered here so
        # that 300 records take that path.
        monkeypatch.setattr(services, "LARGE_BATCH", 100)
        first = credit_post_batch(self.records([alice, bob], 300))
        again = credit_post_batch(self.records([alice, bob], 300))
        assert (first.posted, again.posted, again.duplicates) == (300, 0, 300)
        assert CreditEntry.objects.count() == 300
        assert ledger_differences() == []

    def test_a_batch_naming_a_person_waiting_for_approval_writes_nothing(self, alice):
        waiting = make_professional(UnitFactory(), real_name="待审")
        waiting.profile.status = ReviewStatus.PENDING
        waiting.profile.save()
        records = self.records([alice], 5) + self.records([waiting], 1, prefix="w")
        with pytest.raises(LedgerError, match="待审"):
            credit_post_batch(records)
        assert not CreditEntry.objects.exists()


@pytest.mark.django_db
def test_verify_ledger_catches_a_tampered_total(alice, capsys):
    post(alice, "4.0")
    call_command("verify_ledger")
    PersonYearTotal.objects.filter(person=alice).update(public_hours=Decimal("40.0"))
    with pytest.raises(CommandError, match="1 person-year"):
        call_command("verify_ledger")
    assert f"person {alice.pk} year 2025" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestConcurrency:
    """Real transactions on separate connections, released together by a barrier.

    serialized_rollback puts the data migrations' rows (the year rules) back after
    each test, since a transactional test empties every table."""

    def race(self, count, work):
        barrier = threading.Barrier(count)
        results, errors = [], []

        def run(index):
            try:
                barrier.wait(timeout=10)
                results.append(work(index))
            except Exception as exc:  # collected and asserted on below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        return results

    def test_racing_posts_of_one_completion_credit_it_once(self):
        alice = make_professional(UnitFactory())
        results = self.race(6, lambda _: post(alice, "3.0", ref="race-1"))
        assert sum(created for _, created in results) == 1
        assert len({entry.pk for entry, _ in results}) == 1
        assert CreditEntry.objects.count() == 1
        assert totals(alice) == (Decimal("3.0"), Decimal(0))

    def test_racing_batches_credit_each_record_once(self):
        alice = make_professional(UnitFactory())
        records = [
            CreditRecord(alice.pk, 2025, Category.PUBLIC, Decimal(1), Source.PLATFORM, f"b-{i}")
            for i in range(200)
        ]
        results = self.race(3, lambda _: credit_post_batch(records))
        assert sum(r.posted for r in results) == 200
        assert CreditEntry.objects.count() == 200
        assert totals(alice) == (Decimal(200), Decimal(0))
        assert ledger_differences() == []

    def test_racing_reversals_reverse_once(self):
        alice = make_professional(UnitFactory())
        entry, _ = post(alice, "5.0", ref="to-reverse")

        def reverse(_):
            try:
                return credit_reverse(entry=entry, reason="并发", reversed_by=None)
            except LedgerError:
                return None

        results = self.race(4, reverse)
        assert sum(r is not None for r in results) == 1
        assert totals(alice) == (Decimal(0), Decimal(0))
