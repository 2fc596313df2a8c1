"""The catalog's filter form and course list, rendered once per (year, query string,
page) (Django's cache: Redis).

The catalog asked with one query string is the same for everyone (anonymous or
logged in): its filter form (a GET form: no CSRF token), the topics and the list with
its pagination (templates/learning/_catalog_body.html; no message, nothing about the
person asking) are cached under a key that holds the catalog's version and today's
year: the default year (credits.selectors.default_year) follows from the year rules
and today's year, so a cached page needs neither read. The version is a random token
under one key; every save or delete of what the list shows — a course, a topic, an
industry authority, a quality nomination, a year rule — replaces it
(post_save/post_delete receivers, learning.apps), once at once and once more after
the transaction commits: a reader that read the version
before the commit and the rows after it caches the newer list under the older token,
which nobody asks for again once the commit's token is set. Lessons are not in the
list. A write that skips the receivers (QuerySet.update, bulk_create) must call
`bump()` itself; none does today outside tests and benches, which start afresh.

A write made while Redis is unreachable cannot replace the token: cached lists are
kept at most FRAGMENT_SECONDS, which bounds how long such a change may go unseen.
Without Redis (embedded mode, a per-process cache) nothing is cached.

Keys also hold the deployment (portal.keyspace.namespace()), the language and a
digest of the templates (a deploy that changes them renders anew). Only page numbers
that exist are cached. With Redis down the list is drawn from the database (one
"outage:" warning).
"""

import functools
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template
from django.utils import translation

from portal.errors import REDIS_ERRORS, log_outage
from portal.keyspace import namespace
from portal.pagination import cacheable_page_number

FRAGMENT_TEMPLATES = (
    "learning/_catalog_body.html",
    "portal/_filter_form.html",
    "portal/_pagination.html",
)
FRAGMENT_SECONDS = 10 * 60


def enabled() -> bool:
    """True when the list is cached: Django's cache is Redis (settings.REDIS_URL)."""
    return bool(settings.REDIS_URL)


def _version_key() -> str:
    return f"catalog:{namespace()}:version"


def _replace_version() -> None:
    try:
        cache.set(_version_key(), uuid.uuid4().hex, None)
    except REDIS_ERRORS as error:
        log_outage(
            "redis", error, f"catalog lists may show the old courses for {FRAGMENT_SECONDS} s"
        )


def bump() -> None:
    """Make every cached catalog list stale: replaces the version token now and again
    after the current transaction commits (at once outside one). Never raises."""
    if not enabled():
        return
    _replace_version()
    transaction.on_commit(_replace_version)


def forget_all() -> None:
    """Make every cached catalog list stale now, touching no database (tests start
    with a fresh list). Never raises; a no-op without Redis."""
    if enabled():
        _replace_version()


def bump_on_change(sender, **kwargs) -> None:
    """post_save/post_delete receiver (learning.apps) for the models the list shows."""
    bump()


def _version() -> str:
    key = _version_key()
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key)
    return token


def _templates_digest() -> str:
    sources = "".join(get_template(name).template.source for name in FRAGMENT_TEMPLATES)
    return hashlib.sha256(sources.encode()).hexdigest()[:12]


_cached_digest = functools.cache(_templates_digest)


def _key(version: str, year: int, query: str, number: int) -> str:
    asked = hashlib.sha256(f"{year}?{query}".encode()).hexdigest()[:24]
    digest = _templates_digest() if settings.DEBUG else _cached_digest()
    language = translation.get_language()
    return f"catalog:{namespace()}:{version}:{asked}:{number}:{language}:{digest}"


def catalog_body(*, today, query: str, page_number, render_body):
    """(HTML, Page or None when the HTML came from the cache) of the catalog's body
    on `today` (a date: its year decides the default year) asked with `query` (the
    request's query string without `page`; it determines the filters) at
    `page_number` (anything, as portal.pagination reads it). `render_body(page_number)`
    returns (HTML, Page) from the database; on a cache hit it is not called, and the
    page costs no query: one Redis round trip for the version and one for the HTML.
    Redis down: drawn from the database, logged."""
    number = cacheable_page_number(page_number) if enabled() else None
    key = None
    if number:
        try:
            key = _key(_version(), today.year, query, number)
            html = cache.get(key)
        except REDIS_ERRORS as error:
            log_outage("redis", error, "catalog drawn from the database")
            key, html = None, None
        if html is not None:
            return html, None  # a SafeString, also as the cache gives it back
    html, page = render_body(page_number)
    if key and page.number == number:  # a page past the end is not kept under its number
        try:
            cache.set(key, html, FRAGMENT_SECONDS)
        except REDIS_ERRORS as error:
            log_outage("redis", error, "catalog not cached")
    return html, page
