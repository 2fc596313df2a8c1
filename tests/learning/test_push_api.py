"""The platforms' signed push API."""

import json
import threading
import time
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client

from credits.models import CreditEntry, Source
from credits.selectors import year_status
from learning.models import Platform, PlatformKey, PlatformRecord, ReceivedBatch
from learning.platforms.services import CLOCK_SKEW_SECONDS, reprocess
from tests.factories import UnitFactory, make_professional
from tests.learning.conftest import outcomes, push, record


@pytest.mark.django_db
class TestAuthentication:
    def test_signed_push_credits_the_hours(self, client, key, alice):
        response = push(client, key, [record(alice)])
        assert response.status_code == 200
        assert outcomes(response) == [("c-1", "credited")]
        entry = CreditEntry.objects.get()
        assert (entry.source, entry.source_ref) == (Source.PLATFORM, "sdou:c-1")
        assert year_status(alice, 2025).public == Decimal(6)

    @pytest.mark.parametrize("how", ["bad-signature", "old-timestamp", "future-timestamp"])
    def test_untrusted_push_is_refused_and_nothing_read(self, client, key, alice, how):
        # Two seconds outside the window: int() drops up to a second of the clock,
        # which would otherwise put the future timestamp just inside it.
        outside = CLOCK_SKEW_SECONDS + 2
        kwargs = {
            "bad-signature": {"signature": "0" * 64},
            "old-timestamp": {"timestamp": int(time.time()) - outside},
            "future-timestamp": {"timestamp": int(time.time()) + outside},
        }[how]
        response = push(client, key, [record(alice)], **kwargs)
        assert response.status_code == 401
        assert not ReceivedBatch.objects.exists()
        assert not CreditEntry.objects.exists()

    def test_a_replayed_request_is_refused(self, client, key, alice):
        body = json.dumps({"records": [record(alice)]}).encode()
        stamp = int(time.time())
        assert push(client, key, body=body, timestamp=stamp).status_code == 200
        assert push(client, key, body=body, timestamp=stamp).status_code == 401
        assert ReceivedBatch.objects.count() == 1

    def test_revoked_key_and_another_platforms_key_are_refused(self, client, key, alice):
        other_key = PlatformKey.new_for(Platform.objects.get(code="zjzd"))
        wrong_platform = (other_key[0], other_key[1])
        wrong_platform[0].platform = key[0].platform  # posts to sdou with zjzd's key
        assert push(client, wrong_platform, [record(alice)]).status_code == 401
        PlatformKey.objects.filter(pk=key[0].pk).update(revoked_at="2025-01-01T00:00:00Z")
        assert push(client, key, [record(alice)]).status_code == 401
        assert not CreditEntry.objects.exists()


@pytest.mark.django_db
class TestMalformed:
    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b'{"items": []}',
            b'{"records": []}',
            b'{"records": [1, 2]}',
            b'{"records": [{"external_id": "x"}]}',
        ],
    )
    def test_malformed_body_is_refused_whole(self, client, key, body):
        response = push(client, key, body=body)
        assert response.status_code == 400
        assert not ReceivedBatch.objects.exists()

    def test_more_than_1000_records_is_refused(self, client, key, alice):
        records = [record(alice, f"c-{i}") for i in range(1001)]
        assert push(client, key, records).status_code == 400
        assert not CreditEntry.objects.exists()

    def test_body_over_the_size_limit_is_refused(self, client, key):
        body = b'{"records": [' + b" " * (2 * 1024 * 1024) + b"]}"
        assert push(client, key, body=body).status_code == 400


@pytest.mark.django_db
class TestOutcomes:
    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"id_number": "11010519491231002X"}, "身份证号"),
            ({"name": "张冒名"}, "姓名"),
            ({"hours": 0.4}, "0.5"),
            ({"hours": 101}, "0.5"),
            ({"hours": "six"}, "0.5"),
            ({"completed_at": "2099-01-01T00:00:00+08:00"}, "未来"),
            ({"completed_at": "yesterday"}, "时间"),
            ({"category": "sports"}, "类别"),
            ({"id_number": "110105194912310021"}, "校验位"),
        ],
    )
    def test_each_rejection_has_its_reason(self, client, key, alice, fields, reason):
        response = push(client, key, [record(alice, **fields)])
        [result] = response.json()["results"]
        assert result["outcome"] == "rejected"
        assert reason in result["reason"]
        stored = PlatformRecord.objects.get()
        assert stored.raw == record(alice, **fields)  # kept as it arrived
        assert not CreditEntry.objects.exists()

    def test_the_same_batch_twice_credits_once(self, client, key, alice, bob):
        records = [record(alice, "a"), record(bob, "b")]
        now = int(time.time())
        push(client, key, records, timestamp=now)
        response = push(client, key, records, timestamp=now - 5)  # a retry, newly signed
        assert outcomes(response) == [("a", "duplicate"), ("b", "duplicate")]
        assert CreditEntry.objects.count() == 2
        assert PlatformRecord.objects.count() == 4  # every record kept
        assert year_status(alice, 2025).public == Decimal(6)

    def test_a_repeat_inside_one_batch_is_a_duplicate(self, client, key, alice):
        response = push(client, key, [record(alice, "a"), record(alice, "a")])
        assert outcomes(response) == [("a", "credited"), ("a", "duplicate")]

    def test_a_rejected_record_fixed_later_credits_once(self, client, key, unit_a):
        newcomer = {"id_number": "11010519491231002X", "name": "新同志"}
        push(client, key, [record(None, "late", **newcomer)])
        stored = PlatformRecord.objects.get()
        assert stored.outcome == "rejected"
        make_professional(unit_a, id_number=newcomer["id_number"], real_name="新同志")
        reprocess(stored)
        reprocess(stored)
        stored.refresh_from_db()
        assert (stored.outcome, stored.resolved) == ("credited", True)
        assert CreditEntry.objects.count() == 1

    def test_hr_can_match_the_person_by_hand(self, client, key, alice):
        push(client, key, [record(alice, "renamed", name="艾莉丝")])  # a former name
        stored = PlatformRecord.objects.get()
        reprocess(stored, person=alice)
        stored.refresh_from_db()
        assert stored.outcome == "credited"
        assert year_status(alice, 2025).public == Decimal(6)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_pushes_of_the_same_batch_credit_once():
    person = make_professional(UnitFactory())
    key = PlatformKey.new_for(Platform.objects.get(code="sdou"))
    records = [record(person, f"r-{i}", hours=1) for i in range(50)]
    barrier, statuses = threading.Barrier(3), []
    base = int(time.time())

    def run(retry):
        try:
            barrier.wait(timeout=10)
            stamp = base - retry  # retries: same records, each signed anew
            statuses.append(push(Client(), key, records, timestamp=stamp).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200, 200, 200]
    assert CreditEntry.objects.count() == 50
    assert PlatformRecord.objects.filter(outcome="credited").count() == 50
    assert PlatformRecord.objects.filter(outcome="duplicate").count() == 100
    assert year_status(person, 2025).public == Decimal(50)


@pytest.mark.django_db
def test_openapi_describes_the_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    post = spec["paths"]["/api/platforms/{code}/completions"]["post"]
    assert {p["name"] for p in post["parameters"]} >= {"X-Key-Id", "X-Timestamp", "X-Signature"}
    assert set(post["responses"]) == {"200", "400", "401", "404"}


@pytest.mark.django_db
class TestHostileInput:
    def test_a_blank_external_id_is_rejected_not_credited(self, client, key, alice):
        response = push(client, key, [record(alice, " "), record(alice, "  ", hours=8)])
        assert [r["outcome"] for r in response.json()["results"]] == ["rejected", "rejected"]
        assert not CreditEntry.objects.exists()

    def test_a_repeat_in_one_batch_credits_the_first_record(self, client, key, alice, bob):
        response = push(client, key, [record(alice, "x", hours=1), record(bob, "x", hours=2)])
        assert outcomes(response) == [("x", "credited"), ("x", "duplicate")]
        entry = CreditEntry.objects.get()
        assert (entry.person, entry.hours) == (alice, Decimal(1))
        credited = PlatformRecord.objects.get(outcome="credited")
        assert (credited.person, credited.credit) == (alice, entry)

    @pytest.mark.parametrize(
        "body", [b'{"records": [{"hours": NaN}]}', b"[" * 100000 + b"]" * 100000]
    )
    def test_nan_and_deep_nesting_are_malformed(self, client, key, body):
        assert push(client, key, body=body).status_code == 400

    @pytest.mark.parametrize(
        "headers", [{"signature": "é" * 64}, {"timestamp": "9" * 400}, {"timestamp": "²"}]
    )
    def test_odd_headers_are_refused_not_crashed(self, client, key, alice, headers):
        assert push(client, key, [record(alice)], **headers).status_code == 401

    @pytest.mark.parametrize(
        "fields",
        [
            {"completed_at": "9999-12-31T23:00:00-05:00"},
            {"course_title": "黄河\x00流域"},
        ],
    )
    def test_values_the_database_cannot_hold_are_rejected(self, client, key, alice, fields):
        response = push(client, key, [record(alice, **fields)])
        assert response.status_code == 200
        [result] = response.json()["results"]
        assert result["outcome"] == "rejected"
        assert ("NUL" in result["reason"]) == ("course_title" in fields)
        assert not CreditEntry.objects.exists()
