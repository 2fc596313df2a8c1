"""我的学时's expensive parts, cached per person-year (Django's cache: Redis).

Cached for each person and year:

- the year's totals (public and professional hours): the status card, the history
  chart and the year list are drawn from them and from the year rules, which each
  request reads afresh (a changed rule shows at once);
- the rendered entry list, per page (templates/credits/_entries.html with its
  pagination): no CSRF token and no message is in it.

Every key holds the person-year's version, a random token kept under its own key.
The ledger's writes (credits.services: credit_post, credit_post_batch,
credit_reverse) call `ledger_changed` inside their transaction; once it commits, the
versions of the person-years it touched are dropped, in one cache call however many
rows it wrote (a write of more than MOST_DROPPED_ONE_BY_ONE person-years, a large
import, drops the generation token that every key also holds: every cached page
renews). The next page load finds no version, draws a new random token and
renders anew. Random tokens rather than counters: a version lost to eviction or a
Redis restart is replaced by a token no stale entry was stored under. A reader sets
its new token before it reads the database, so a write that commits meanwhile
drops that token too (see `_versions`).

Keys also hold the database name (the workers of the test suite share one Redis,
each with a database of its own, and ids restart with each database), the person's
date_joined (a recreated database reuses ids), and for the entry list the language
and a digest of its templates (a deploy that changes them renders anew).

With Redis down the page is drawn from the database (one "outage:" warning). A drop
that fails is logged the same way; the entries expire after ENTRY_SECONDS, which
bounds how long a page could stay stale if Redis kept its data but missed a drop.
"""

import functools
import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import get_template, render_to_string
from django.utils import translation

from credits import selectors
from credits.models import YearRule
from portal.errors import REDIS_ERRORS
from portal.pagination import page_with_total

logger = logging.getLogger("portal.outage")

ENTRIES_PER_PAGE = 50
ENTRY_TEMPLATES = ("credits/_entries.html", "portal/_pagination.html")
ENTRY_SECONDS = 60 * 60  # cached totals and entry lists
VERSION_SECONDS = 24 * 60 * 60  # a person-year's token while nothing changes
# A write touching more person-years than this (a large import) renews every cached
# page at once rather than key by key: dropping 100,000 keys would cost the batch
# about as much as its own insert.
MOST_DROPPED_ONE_BY_ONE = 1000


def _namespace() -> str:
    # The database's name, shortened: a SQLite path may be long or hold spaces.
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()
    return f"hours:{database[:10]}"


def version_key(person_id: int, year: int, namespace: str = "") -> str:
    """The cache key of a person-year's version token."""
    return f"{namespace or _namespace()}:v:{person_id}:{year}"


def generation_key() -> str:
    """The cache key of the token every cached page's keys hold besides their own."""
    return f"{_namespace()}:generation"


def ledger_changed(person_years: Iterable[tuple[int, int]]) -> None:
    """Call inside the transaction that writes ledger entries of these (person id,
    year) pairs: once it commits, their cached totals and entry lists are dropped in
    one cache call (more than MOST_DROPPED_ONE_BY_ONE of them: every cached page,
    by dropping the generation); if it rolls back, nothing happens."""
    pairs = set(person_years)
    if len(pairs) > MOST_DROPPED_ONE_BY_ONE:
        keys = [generation_key()]
    else:
        namespace = _namespace()
        keys = [version_key(person_id, year, namespace) for person_id, year in pairs]
    if keys:
        transaction.on_commit(functools.partial(_drop_versions, keys))


def _drop_versions(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except REDIS_ERRORS as error:
        _outage(error, f"cached hours of {len(keys)} person-year(s) not dropped")


def _outage(error: BaseException, what: str) -> None:
    logger.warning("outage: redis unavailable (%s: %s): %s", type(error).__name__, error, what)


def _versions(person_id: int, years: list[int]) -> dict[int, str] | None:
    """{year: token}, drawing and storing new tokens for years that have none. Run
    before the database is read: a write that commits after this drops the new
    token, one that committed before is in what the database returns. None when
    Redis cannot be reached."""
    keys = {version_key(person_id, year): year for year in years}
    generation = generation_key()
    try:
        found = cache.get_many([generation, *keys])
        fresh = {key: uuid.uuid4().hex for key in [generation, *keys] if key not in found}
        if fresh:
            cache.set_many(fresh, VERSION_SECONDS)
    except REDIS_ERRORS as error:
        _outage(error, "my hours drawn from the database")
        return None
    tokens = {**found, **fresh}
    return {year: f"{tokens[generation]}.{tokens[key]}" for key, year in keys.items()}


def _templates_digest() -> str:
    sources = "".join(get_template(name).template.source for name in ENTRY_TEMPLATES)
    return hashlib.sha256(sources.encode()).hexdigest()[:12]


_cached_digest = functools.cache(_templates_digest)


def _person_key(person, kind: str, year: int, token: str) -> str:
    joined = int(person.date_joined.timestamp() * 1_000_000)
    return f"{_namespace()}:{kind}:{person.pk}:{joined}:{year}:{token}"


def _entries_key(person, year: int, token: str, number: int) -> str:
    digest = _templates_digest() if settings.DEBUG else _cached_digest()
    return f"{_person_key(person, 'e', year, token)}:{number}:{translation.get_language()}:{digest}"


def _page_number(asked) -> int | None:
    """The page asked for if it is a plain page number (only those are cached)."""
    asked = str(asked or "1")
    return int(asked) if asked.isascii() and asked.isdigit() and 0 < int(asked) < 10_000 else None


def render_entries(person, year: int, page_number) -> str:
    """The entry list of a person-year, one page of it, as HTML (uncached)."""
    page = page_with_total(selectors.ledger_entries(person, year), ENTRIES_PER_PAGE, page_number)
    return render_to_string("credits/_entries.html", {"page": page, "query": f"year={year}"})


@dataclass(frozen=True)
class HoursPage:
    """What 我的学时 shows beside the year rules."""

    statuses: dict[int, selectors.YearStatus]  # every year asked for
    entries_html: str  # the asked year's entry list, the asked page


def hours_page(
    person, *, years: list[int], year: int, rules: dict[int, YearRule], page_number
) -> HoursPage:
    """The parts of 我的学时 for `person`: the status of each of `years` (judged by
    `rules`) and the entry list of `year`, page `page_number`. Cached per person-year
    (module docstring): with everything cached, no database query at all."""
    years = sorted({*years, year})
    tokens = _versions(person.pk, years)
    if tokens is None:
        return _uncached(person, years=years, year=year, rules=rules, page_number=page_number)
    total_keys = {y: _person_key(person, "t", y, tokens[y]) for y in years}
    number = _page_number(page_number)
    entries_key = _entries_key(person, year, tokens[year], number) if number else None
    wanted = [*total_keys.values(), *([entries_key] if entries_key else [])]
    try:
        found = cache.get_many(wanted)
    except REDIS_ERRORS as error:
        _outage(error, "my hours drawn from the database")
        return _uncached(person, years=years, year=year, rules=rules, page_number=page_number)

    new = {}
    missing = [y for y in years if total_keys[y] not in found]
    if missing:
        for y, hours in selectors.year_totals(person, missing).items():
            new[total_keys[y]] = hours
    html = found.get(entries_key) if entries_key else None
    if html is None:
        html = render_entries(person, year, page_number)
        if entries_key:
            new[entries_key] = html
    if new:
        try:
            cache.set_many(new, ENTRY_SECONDS)
        except REDIS_ERRORS as error:
            _outage(error, "my hours not cached")
    totals = {**found, **new}
    return HoursPage(
        statuses={y: selectors.status_of(y, *totals[total_keys[y]], rules.get(y)) for y in years},
        entries_html=html,  # a SafeString, also as the cache gives it back
    )


def _uncached(person, *, years, year, rules, page_number) -> HoursPage:
    totals = selectors.year_totals(person, years)
    return HoursPage(
        statuses={y: selectors.status_of(y, *totals[y], rules.get(y)) for y in years},
        entries_html=render_entries(person, year, page_number),
    )
