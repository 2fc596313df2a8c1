"""我的学时 at ten years of entries: few queries, cached per person-year, renewed by
every ledger write of that person-year and by no other (credits.hours_cache)."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from credits import hours_cache
from credits.hours_cache import version_key
from credits.models import Category, CreditEntry, Source, YearRule
from credits.services import CreditRecord, credit_post, credit_post_batch
from tests.factories import make_professional

YEARS = range(2016, 2026)
PER_YEAR = 30
REDIS_GONE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


def ten_years_of(person, tag):
    """PER_YEAR entries in each of ten ruled years, through the ledger's batch entry."""
    for year in YEARS:
        YearRule.objects.get_or_create(
            year=year, defaults={"public_min": 30, "professional_min": 60}
        )
    credit_post_batch(
        CreditRecord(
            person.pk,
            year,
            Category.PUBLIC if i % 2 else Category.PROFESSIONAL,
            Decimal("1.5"),
            Source.PLATFORM,
            f"{tag}-{year}-{i}",
            description=f"{tag}{year}年第{i}课",
        )
        for year in YEARS
        for i in range(PER_YEAR)
    )
    return person


@pytest.fixture
def alice10(alice):
    return ten_years_of(alice, "艾")


@pytest.fixture
def carol10(unit_a):
    return ten_years_of(make_professional(unit_a, real_name="卡萝尔"), "卡")


def my_hours(client, year, **params):
    return client.get(reverse("credits:my_hours"), {"year": year, **params})


def html(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def ledger_reads(captured) -> list[str]:
    return [q["sql"] for q in captured if "credits_creditentry" in q["sql"]]


def post(person, year, ref, description="新增的课程", hours="2"):
    entry, _created = credit_post(
        person=person,
        year=year,
        category=Category.PUBLIC,
        hours=Decimal(hours),
        source=Source.COURSE,
        source_ref=ref,
        description=description,
    )
    return entry


@pytest.mark.django_db
class TestQueryBounds:
    def test_every_year_takes_at_most_five_queries_then_none_of_the_ledger(
        self, client, alice10, django_assert_max_num_queries
    ):
        client.force_login(alice10)
        for year in YEARS:
            with django_assert_max_num_queries(5):
                first = my_hours(client, year)
            assert f"艾{year}年第29课" in first.content.decode()
            assert f"艾{year - 1}年第29课" not in first.content.decode()
            with django_assert_max_num_queries(5) as again:
                second = my_hours(client, year)
            assert ledger_reads(again.captured_queries) == []  # the entry list is cached
            assert html(second) == html(first)

    def test_the_default_year_and_a_second_page_stay_within_five(
        self, client, alice10, django_assert_max_num_queries
    ):
        credit_post_batch(
            CreditRecord(alice10.pk, 2025, Category.PUBLIC, Decimal(1), Source.PLATFORM, f"p{i}")
            for i in range(40)
        )
        client.force_login(alice10)
        with django_assert_max_num_queries(5):
            assert client.get(reverse("credits:my_hours")).status_code == 200
        with django_assert_max_num_queries(5):
            response = my_hours(client, 2025)
        assert "第1页，共2页（共70条）" in response.content.decode()
        with django_assert_max_num_queries(5):
            response = my_hours(client, 2025, page=2)
        assert "第2页，共2页（共70条）" in response.content.decode()

    def test_the_cached_page_is_the_page_drawn_without_cache(self, client, alice10, settings):
        client.force_login(alice10)
        my_hours(client, 2024)
        cached = html(my_hours(client, 2024))
        settings.CACHES = REDIS_GONE
        assert html(my_hours(client, 2024)) == cached


@pytest.mark.django_db
class TestInvalidation:
    def test_a_new_entry_shows_on_the_next_load(
        self, client, alice10, django_capture_on_commit_callbacks
    ):
        client.force_login(alice10)
        assert "新增的课程" not in my_hours(client, 2024).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            post(alice10, 2024, "new-1")
        page = my_hours(client, 2024).content.decode()
        assert "新增的课程" in page
        assert "24.5 / 30.0" in page  # 15 × 1.5 public hours, and the new 2

    def test_an_entry_of_another_year_or_person_leaves_this_year_cached(
        self,
        client,
        alice10,
        carol10,
        django_capture_on_commit_callbacks,
        django_assert_max_num_queries,
    ):
        client.force_login(alice10)
        my_hours(client, 2024)
        my_hours(client, 2023)
        token = cache.get(version_key(alice10.pk, 2024))
        with django_capture_on_commit_callbacks(execute=True):
            post(alice10, 2023, "other-year")
            post(carol10, 2024, "other-person")
        assert cache.get(version_key(alice10.pk, 2024)) == token
        assert cache.get(version_key(alice10.pk, 2023)) is None  # dropped

        with django_assert_max_num_queries(5) as still_cached:
            assert "新增的课程" not in my_hours(client, 2024).content.decode()
        assert ledger_reads(still_cached.captured_queries) == []
        with django_assert_max_num_queries(5) as renewed:
            assert "新增的课程" in my_hours(client, 2023).content.decode()
        assert ledger_reads(renewed.captured_queries) != []

    def test_a_batch_drops_its_person_years_once_at_its_commit(
        self, client, alice10, carol10, django_capture_on_commit_callbacks
    ):
        for person in (alice10, carol10):
            client.force_login(person)
            for year in (2022, 2023, 2024):
                my_hours(client, year)
        records = [
            CreditRecord(person.pk, year, Category.PUBLIC, Decimal(1), Source.PLATFORM, ref)
            for person in (alice10, carol10)
            for year in (2023, 2024)
            for ref in (f"b-{person.pk}-{year}-{i}" for i in range(50))
        ]
        with django_capture_on_commit_callbacks() as callbacks:
            credit_post_batch(records)
        assert len(callbacks) == 1  # one cache call for 200 rows
        written = [(p.pk, y) for p in (alice10, carol10) for y in (2023, 2024)]
        assert all(cache.get(version_key(*key)) for key in written)  # not before the commit
        callbacks[0]()
        assert not any(cache.get(version_key(*key)) for key in written)
        assert cache.get(version_key(alice10.pk, 2022))
        assert cache.get(version_key(carol10.pk, 2022))

        with django_capture_on_commit_callbacks() as callbacks:
            credit_post_batch(records)  # a replay credits nothing
        assert callbacks == []

    def test_a_large_import_renews_every_cached_page_in_one_call(
        self,
        client,
        alice10,
        carol10,
        monkeypatch,
        django_capture_on_commit_callbacks,
        django_assert_max_num_queries,
    ):
        monkeypatch.setattr(hours_cache, "MOST_DROPPED_ONE_BY_ONE", 2)
        client.force_login(alice10)
        my_hours(client, 2020)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            credit_post_batch(
                CreditRecord(carol10.pk, year, Category.PUBLIC, Decimal(1), Source.PLATFORM, ref)
                for year in (2022, 2023, 2024)
                for ref in (f"import-{year}-{i}" for i in range(20))
            )
        assert len(callbacks) == 1
        assert cache.get(hours_cache.generation_key()) is None
        with django_assert_max_num_queries(5) as renewed:
            assert "艾2020年第0课" in my_hours(client, 2020).content.decode()
        assert ledger_reads(renewed.captured_queries) != []

    def test_a_post_that_rolls_back_drops_nothing(
        self, client, alice10, django_capture_on_commit_callbacks
    ):
        client.force_login(alice10)
        my_hours(client, 2024)
        with (
            django_capture_on_commit_callbacks() as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            post(alice10, 2024, "rolled-back")
            raise RuntimeError
        assert callbacks == []
        assert cache.get(version_key(alice10.pk, 2024))

    def test_a_correction_by_hr_shows_on_the_next_load(
        self, client, alice10, province_hr, django_capture_on_commit_callbacks
    ):
        client.force_login(alice10)
        my_hours(client, 2024)
        entry = CreditEntry.objects.filter(person=alice10, year=2024).order_by("id").first()
        client.force_login(province_hr)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("credits:entry_reverse", args=[entry.pk]), {"reason": "重复登记"}
            )
        assert response.status_code == 302
        client.force_login(alice10)
        page = my_hours(client, 2024).content.decode()
        reversal = CreditEntry.objects.get(reverses=entry)
        assert f"已被第{reversal.pk}号记录冲销：重复登记" in page
        assert f"冲销第{entry.pk}号记录：重复登记" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_entry_shows_on_the_next_load(client, alice):
    """The drop runs when the transaction really commits (no captured callbacks)."""
    client.force_login(alice)
    assert "真正提交的课程" not in my_hours(client, 2025).content.decode()
    with transaction.atomic():
        post(alice, 2025, "committed", description="真正提交的课程")
    assert "真正提交的课程" in my_hours(client, 2025).content.decode()


@pytest.mark.django_db
def test_one_persons_cached_page_is_never_served_to_another(client, alice10, carol10):
    client.force_login(alice10)
    assert "艾2024年第0课" in my_hours(client, 2024).content.decode()
    client.force_login(carol10)
    page = my_hours(client, 2024).content.decode()
    assert "卡2024年第0课" in page
    assert "艾2024年" not in page
    client.force_login(alice10)
    page = my_hours(client, 2024).content.decode()
    assert "艾2024年第0课" in page
    assert "卡2024年" not in page


@pytest.mark.django_db
def test_with_redis_down_the_page_and_the_ledger_keep_working(
    client, alice10, settings, caplog, django_capture_on_commit_callbacks
):
    client.force_login(alice10)  # the session is kept in the database as well
    settings.CACHES = REDIS_GONE
    with django_capture_on_commit_callbacks(execute=True):
        post(alice10, 2024, "redis-down", description="Redis 停机时的课程")
    response = my_hours(client, 2024)
    assert response.status_code == 200
    assert "Redis 停机时的课程" in response.content.decode()
    assert "outage: redis unavailable" in caplog.text
