"""我的学时's entry list, rendered once per person-year and page (Django's cache: Redis).

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
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import translation

from credits import selectors
from credits.models import YearRule
from portal.errors import REDIS_ERRORS, log_outage
from portal.keyspace import namespace
from portal.pagination import cacheable_page_number, page_with_total

ENTRIES_PER_PAGE = 50
ENTRY_TEMPLATES = ("credits/_entries.html", "portal/_pagination.html")
ENTRY_SECONDS = 24 * 60 * 60  # memory bound only: a cached list never goes stale


def _templates_digest() -> str:
    sources = "".join(get_template(name).template.source for name in ENTRY_TEMPLATES)
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


def _entries_html(person, year: int, version: int, page_number) -> str:
    number = cacheable_page_number(page_number)
    key = entries_key(person, year, version, number) if number else None
    if key:
        try:
            html = cache.get(key)
        except REDIS_ERRORS as error:
            log_outage("redis", error, "my hours drawn from the database")
            return render_entries(person, year, page_number)[0]
        if html is not None:
            return html  # a SafeString, also as the cache gives it back
    html, shown = render_entries(person, year, page_number)
    if key and shown == number:  # a page past the end is not kept under its number
        try:
            cache.set(key, html, ENTRY_SECONDS)
        except REDIS_ERRORS as error:
            log_outage("redis", error, "my hours not cached")
    return html


@dataclass(frozen=True)
class HoursPage:
    """What 我的学时 shows beside the year rules."""

    statuses: dict[int, selectors.YearStatus]  # every year asked for
    entries_html: str  # the asked year's entry list, the asked page


def hours_page(
    person, *, years: list[int], year: int, rules: dict[int, YearRule], page_number
) -> HoursPage:
    """The parts of 我的学时 for `person`: the status of each of `years` (judged by
    `rules`, hours as read from PersonYearTotal now) and the entry list of `year`,
    page `page_number` (anything; see render_entries). One query for the totals and
    versions; the entry list from the cache (module docstring), else one query more
    (three for a page past the end). Redis down: drawn from the database, logged."""
    years = sorted({*years, year})
    totals, versions = selectors.year_totals_and_versions(person, years)
    return HoursPage(
        statuses={y: selectors.status_of(y, *totals[y], rules.get(y)) for y in years},
        entries_html=_entries_html(person, year, versions[year], page_number),
    )
