"""我的学时 at ten years of entries: few queries, the entry list cached per
person-year and keyed on the person-year's version, which every ledger write of that
person-year changes and no other (credits.hours_cache)."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from credits.hours_cache import entries_key
from credits.models import Category, CreditEntry, PersonYearTotal, Source
from credits.services import CreditRecord, credit_post, credit_post_batch, credit_reverse
from tests.factories import TEN_YEARS, make_professional, ten_years_of

YEARS = TEN_YEARS
PER_YEAR = 30
REDIS_GONE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


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
class TestPagesAskedFor:
    @pytest.mark.parametrize("asked", ["99999999999999999999", "9" * 40, "1e30", "-5", "二"])
    def test_any_page_number_gives_a_page_not_an_error(self, client, alice10, asked):
        client.force_login(alice10)
        response = my_hours(client, 2024, page=asked)
        assert response.status_code == 200
        assert "艾2024年第0课" in response.content.decode()  # 30 entries: one page

    def test_a_page_past_the_end_adds_no_cache_entry(
        self, client, alice10, django_assert_max_num_queries
    ):
        client.force_login(alice10)
        version = PersonYearTotal.objects.get(person=alice10, year=2024).version
        for _again in range(2):
            with django_assert_max_num_queries(7) as past_the_end:  # + COUNT, last page
                page = my_hours(client, 2024, page=9999).content.decode()
            assert "艾2024年第0课" in page  # the last page, which is the first
            assert ledger_reads(past_the_end.captured_queries) != []  # never from the cache
        assert cache.get(entries_key(alice10, 2024, version, 9999)) is None
        assert cache.get(entries_key(alice10, 2024, version, 1)) is None
        my_hours(client, 2024, page=1)
        assert cache.get(entries_key(alice10, 2024, version, 1)) is not None


@pytest.mark.django_db
class TestRenewal:
    def test_every_ledger_write_adds_one_to_the_version_of_its_person_year(
        self, alice10, province_hr
    ):
        def version(year):
            return PersonYearTotal.objects.get(person=alice10, year=year).version

        assert version(2024) == 1  # the batch that wrote the ten years
        entry = post(alice10, 2024, "v-1")
        assert version(2024) == 2
        post(alice10, 2024, "v-1")  # a repeat credits nothing and changes nothing
        assert version(2024) == 2
        credit_post_batch(
            [CreditRecord(alice10.pk, 2024, Category.PUBLIC, Decimal(1), Source.PLATFORM, "v-2")]
        )
        assert version(2024) == 3
        credit_reverse(entry=entry, reason="重复登记", reversed_by=province_hr)
        assert (version(2024), version(2023)) == (4, 1)

    def test_a_new_entry_shows_on_the_next_load(self, client, alice10):
        client.force_login(alice10)
        assert "新增的课程" not in my_hours(client, 2024).content.decode()
        post(alice10, 2024, "new-1")
        page = my_hours(client, 2024).content.decode()
        assert "新增的课程" in page
        assert "24.5 / 30.0" in page  # 15 × 1.5 public hours, and the new 2

    def test_an_entry_of_another_year_or_person_leaves_this_year_cached(
        self, client, alice10, carol10, django_assert_max_num_queries
    ):
        client.force_login(alice10)
        my_hours(client, 2024)
        my_hours(client, 2023)
        post(alice10, 2023, "other-year")
        post(carol10, 2024, "other-person")
        with django_assert_max_num_queries(5) as still_cached:
            assert "新增的课程" not in my_hours(client, 2024).content.decode()
        assert ledger_reads(still_cached.captured_queries) == []
        with django_assert_max_num_queries(5) as renewed:
            assert "新增的课程" in my_hours(client, 2023).content.decode()
        assert ledger_reads(renewed.captured_queries) != []

    def test_an_import_of_many_person_years_renews_only_those(
        self, client, alice10, carol10, django_assert_max_num_queries
    ):
        client.force_login(alice10)
        for year in (2020, 2023):
            my_hours(client, year)
        credit_post_batch(
            CreditRecord(person.pk, year, Category.PUBLIC, Decimal(1), Source.PLATFORM, ref)
            for person, years in ((carol10, range(2016, 2026)), (alice10, [2023]))
            for year in years
            for ref in (f"import-{person.pk}-{year}-{i}" for i in range(20))
        )
        with django_assert_max_num_queries(5) as untouched:
            assert "艾2020年第0课" in my_hours(client, 2020).content.decode()
        assert ledger_reads(untouched.captured_queries) == []
        with django_assert_max_num_queries(5) as renewed:
            assert "42.5 / 30.0" in my_hours(client, 2023).content.decode()  # 22.5 + 20
        assert ledger_reads(renewed.captured_queries) != []

    def test_a_post_that_rolls_back_leaves_the_page_cached(self, client, alice10):
        client.force_login(alice10)
        my_hours(client, 2024)
        with pytest.raises(RuntimeError), transaction.atomic():
            post(alice10, 2024, "rolled-back")
            raise RuntimeError
        assert PersonYearTotal.objects.get(person=alice10, year=2024).version == 1
        page = my_hours(client, 2024).content.decode()
        assert "新增的课程" not in page
        assert "22.5 / 30.0" in page

    def test_a_correction_by_hr_shows_on_the_next_load(self, client, alice10, province_hr):
        client.force_login(alice10)
        my_hours(client, 2024)
        entry = CreditEntry.objects.filter(person=alice10, year=2024).order_by("id").first()
        client.force_login(province_hr)
        response = client.post(
            reverse("credits:entry_reverse", args=[entry.pk]), {"reason": "重复登记"}
        )
        assert response.status_code == 302
        client.force_login(alice10)
        page = my_hours(client, 2024).content.decode()
        reversal = CreditEntry.objects.get(reverses=entry)
        assert f"已被第{reversal.pk}号记录冲销：重复登记" in page
        assert f"冲销第{entry.pk}号记录：重复登记" in page

    def test_a_write_made_while_redis_is_down_shows_once_it_is_back(
        self, client, alice10, settings
    ):
        """Nothing has to reach Redis when the ledger changes: the page that was cached
        before is not served after a write Redis never heard of."""
        client.force_login(alice10)
        redis = settings.CACHES
        assert "Redis 停机时的课程" not in my_hours(client, 2024).content.decode()
        settings.CACHES = REDIS_GONE
        post(alice10, 2024, "redis-down", description="Redis 停机时的课程")
        settings.CACHES = redis
        page = my_hours(client, 2024).content.decode()
        assert "Redis 停机时的课程" in page
        assert "24.5 / 30.0" in page

    def test_a_write_between_reading_the_version_and_the_entries(self, client, alice10):
        """The entries read after a write that committed once the version had been
        read are cached under the older version; the next load reads the newer
        version and shows the write in both the totals and the list."""
        client.force_login(alice10)
        written = []

        def write_after_the_totals(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if "credits_personyeartotal" in sql and not written:
                written.append(sql)
                post(alice10, 2024, "between", description="读取之间的课程")
            return result

        with connection.execute_wrapper(write_after_the_totals):
            first = my_hours(client, 2024).content.decode()
        assert written
        assert "22.5 / 30.0" in first  # the totals read before the write
        assert "读取之间的课程" in first  # the entries read after it
        again = my_hours(client, 2024).content.decode()
        assert "读取之间的课程" in again
        assert "24.5 / 30.0" in again


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_entry_shows_on_the_next_load(client, alice):
    client.force_login(alice)
    assert "真正提交的课程" not in my_hours(client, 2025).content.decode()
    with transaction.atomic():
        post(alice, 2025, "committed", description="真正提交的课程")
    assert "真正提交的课程" in my_hours(client, 2025).content.decode()


@pytest.mark.django_db
def test_text_in_the_cached_list_stays_escaped(client, alice10, province_hr):
    script = "<script>alert('学时')</script>"
    entry = post(alice10, 2024, "escaped", description=script)
    credit_reverse(entry=entry, reason=script, reversed_by=province_hr)
    client.force_login(alice10)
    drawn, cached = html(my_hours(client, 2024)), html(my_hours(client, 2024))
    for page in (drawn, cached):
        assert "<script>alert" not in page
        assert page.count("&lt;script&gt;alert(&#x27;学时&#x27;)&lt;/script&gt;") == 4
    assert cached == drawn


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
def test_with_redis_down_the_page_and_the_ledger_keep_working(client, alice10, settings, caplog):
    client.force_login(alice10)  # the session is kept in the database as well
    settings.CACHES = REDIS_GONE
    post(alice10, 2024, "redis-down", description="Redis 停机时的课程")
    response = my_hours(client, 2024)
    assert response.status_code == 200
    assert "Redis 停机时的课程" in response.content.decode()
    (outage,) = [r.getMessage() for r in caplog.records if "my hours" in r.getMessage()]
    assert outage.startswith("outage: redis unavailable (ConnectionError: ")
    assert outage.endswith("): my hours drawn from the database")
