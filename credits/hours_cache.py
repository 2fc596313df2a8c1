"""我的学时, rendered once per state of the person's ledger and page (Django's cache:
Redis): the page's body (the year's status, the history table and chart, the entry
list) under a key that holds the version of every year it shows and the year rules,
and inside it the entry list under its own person-year key, so that a new entry in
one year renders the body anew but keeps the other years' lists.

The page reads the person's totals afresh on every load, together with each
person-year's `version` (PersonYearTotal.version, one indexed query): the statement
that adds an entry's hours to the totals also adds 1 to the version, in the same
transaction as the entry (credits.services). The rendered entry list of a page
(templates/credits/_entries.html with its pagination; no CSRF token and no message
is in it) is cached under a key that holds the version, so a new entry changes the
key and the next load renders anew. Nothing has to be dropped when the ledger
changes: a write made while Redis is down or by a process that dies right after its
commit shows all the same, and an import of any size leaves the pages of the
person-years it did not touch cached. The ledger is append-only, so what is cached
under a version never goes stale; entries expire after ENTRY_SECONDS only to bound
the memory they take.

A reader that reads the version before a write commits and the entries after it
caches the newer list under the older version: no reader asks for that version
again once the write has committed (its totals row shows the newer one).

Keys also hold the deployment (portal.keyspace.namespace(): parallel test runs and
staging may share one Redis), the person's date_joined (a recreated database reuses
ids and versions), the language and a digest of the templates (a deploy that
changes them renders anew). Only page numbers that exist are cached: a page past
the end shows the last page, uncached, and adds no key.

With Redis down the list is drawn from the database (one "outage:" warning).
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import translation

from credits import selectors
from credits.exports import history_chart_data
from credits.models import YearRule
from portal.errors import REDIS_ERRORS, log_outage
from portal.keyspace import namespace
from portal.pagination import cacheable_page_number, page_with_total

ENTRIES_PER_PAGE = 50
ENTRY_TEMPLATES = ("credits/_entries.html", "portal/_pagination.html")
BODY_TEMPLATES = (
    "credits/_my_hours_body.html",
    "credits/_year_select.html",
    "credits/_year_status.html",
    "credits/_history_chart.html",
)
ENTRY_SECONDS = 24 * 60 * 60  # memory bound only: a cached list never goes stale


def _templates_digest() -> str:
    names = (*ENTRY_TEMPLATES, *BODY_TEMPLATES)
    sources = "".join(get_template(name).template.source for name in names)
    return hashlib.sha256(sources.encode()).hexdigest()[:12]


_cached_digest = functools.cache(_templates_digest)


def entries_key(person, year: int, version: int, number: int) -> str:
    """The cache key of page `number` of the entry list of `person` in `year` at
    `version` (PersonYearTotal.version; 0 for a year without entries), in the
    language active now."""
    joined = int(person.date_joined.timestamp() * 1_000_000)
    digest = _templates_digest() if settings.DEBUG else _cached_digest()
    language = translation.get_language()
    return f"hours:{namespace()}:{person.pk}:{joined}:{year}:{version}:{number}:{language}:{digest}"


def render_entries(person, year: int, page_number) -> tuple[str, int]:
    """(HTML, number of the page shown) of the entry list of a person-year, page
    `page_number` as the Paginator reads it (not a number: page 1; past the end:
    the last page). Uncached."""
    page = page_with_total(selectors.ledger_entries(person, year), ENTRIES_PER_PAGE, page_number)
    html = render_to_string("credits/_entries.html", {"page": page, "query": f"year={year}"})
    return html, page.number


def _cached(key: str | None, draw, what: str) -> tuple[str, bool]:
    """(html, kept): what the cache holds under `key` (kept), else `draw(redis_up=True)`
    → (html, keep), stored under `key` when `keep`. No key: drawn, not stored. Redis
    down: `draw(redis_up=False)` (what it draws asks Redis nothing more), logged, not
    kept."""
    if key:
        try:
            html = cache.get(key)
        except REDIS_ERRORS as error:
            log_outage("redis", error, f"{what} drawn from the database")
            return draw(False)[0], False
        if html is not None:
            return html, True  # a SafeString, also as the cache gives it back
    html, keep = draw(True)
    if key and keep:
        try:
            cache.set(key, html, ENTRY_SECONDS)
        except REDIS_ERRORS as error:
            log_outage("redis", error, f"{what} not cached")
    return html, bool(key and keep)


def _entries_html(
    person, year: int, version: int, page_number, *, redis_up: bool = True
) -> tuple[str, bool]:
    """(HTML, kept) of the entry list's page: from the cache, else drawn and kept
    unless it is a page past the end (it is not stored under the number asked).
    `redis_up=False`: drawn, not kept."""
    number = cacheable_page_number(page_number)

    def draw(_redis_up):
        html, shown = render_entries(person, year, page_number)
        return html, shown == number

    key = entries_key(person, year, version, number) if number and redis_up else None
    return _cached(key, draw, "my hours")


def _state(versions: dict[int, int], rules: dict[int, YearRule]) -> str:
    """A digest of what the body shows besides the entries: every year's version and
    every year rule's minimums."""
    state = (
        sorted(versions.items()),
        sorted((y, str(r.public_min), str(r.professional_min)) for y, r in rules.items()),
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()[:16]


def hours_body(person, *, year: int, page_number, read=None) -> str:
    """The body of 我的学时 for `person` (templates/credits/_my_hours_body.html): the
    status of `year` judged by its rule, the history of every ruled year (hours as
    PersonYearTotal holds them now, one decimal) with its chart, and page
    `page_number` of the year's entries (anything; see render_entries). `read`: what
    selectors.rules_and_totals(person) gave, read afresh for this load (None: read
    here). No query more when the rest is cached (module docstring), else one (three
    for a page past the end; one more for a year without a rule). Redis down: drawn,
    logged."""
    rules, totals, versions = read or selectors.rules_and_totals(person)
    if year not in rules:
        unruled_totals, unruled_versions = selectors.year_totals_and_versions(person, [year])
        totals, versions = {**totals, **unruled_totals}, {**versions, **unruled_versions}
    years = sorted({*rules, year})
    number = cacheable_page_number(page_number)

    def draw(redis_up):
        statuses = {y: selectors.status_of(y, *totals[y], rules.get(y)) for y in years}
        history = [statuses[ruled] for ruled in sorted(rules)]
        entries, kept = _entries_html(person, year, versions[year], page_number, redis_up=redis_up)
        context = {
            "year": year,
            "years": [s.year for s in reversed(history)],
            "status": statuses[year],
            "history": history,
            "chart": history_chart_data(history),
            "entries": entries,
        }
        return render_to_string("credits/_my_hours_body.html", context), kept

    key = None
    if number:
        entries = entries_key(person, year, versions[year], number)
        key = f"hoursbody:{entries}:{_state(versions, rules)}"
    return _cached(key, draw, "my hours")[0]
