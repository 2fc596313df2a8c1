"""A page of a queryset and its total in one query.

Django's Paginator asks the database twice for a page: COUNT(*) for the total, then
the rows. On the busiest pages (我的学时, the catalog) the total comes with the rows
instead, as a window aggregate (`COUNT(*) OVER ()`, computed before LIMIT). Only a
page past the end needs the separate COUNT (and then Django's own get_page, which
shows the last page as before); an empty first page means an empty list. A number
whose offset no database takes (?page=99999999999999999999: PostgreSQL's OFFSET is a
bigint) is past the end of any list and never reaches the query.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

from portal.http import pk_or_none

_TOTAL = "_page_total"
# Offsets from here on are past the end of any list (and LIMIT/OFFSET are 64-bit).
_LARGEST_OFFSET = 2**62


def page_with_total(queryset: QuerySet, per_page: int, number) -> Page:
    """The same Page as `Paginator(queryset, per_page).get_page(number)` (a number
    that is not one gives page 1, one past the end the last page), usually in one
    query rather than two.

    `queryset` must be ordered and must not use DISTINCT (the window would count the
    rows before DISTINCT removes any)."""
    paginator = Paginator(queryset, per_page)
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError):
        number = 1  # as get_page: what is not a page number shows the first page
    bottom = (number - 1) * per_page
    if number < 1 or bottom > _LARGEST_OFFSET:
        return paginator.get_page(number)  # get_page shows the last page for these
    rows = list(queryset.annotate(**{_TOTAL: Window(Count("*"))})[bottom : bottom + per_page])
    if not rows and number > 1:
        return paginator.get_page(number)  # past the end: the last page, as get_page
    # Paginator.count is a cached_property: hand it the total the rows carry (no rows
    # on the first page: there are none at all).
    paginator.count = getattr(rows[0], _TOTAL) if rows else 0
    return Page(rows, number, paginator)


# Pages past this are not cached (nor are they real on any list of the portal).
MAX_CACHED_PAGE = 999_999


def cacheable_page_number(asked) -> int | None:
    """The page asked for (`?page=`; empty: 1) when it is a plain page number a
    page cache may key on (1 to MAX_CACHED_PAGE, ASCII digits: portal.http.is_pk);
    None for anything else, which is drawn uncached as page_with_total reads it."""
    number = pk_or_none(asked or "1")
    return number if number is not None and number <= MAX_CACHED_PAGE else None


def query_without_page(request) -> str:
    """The request's query string without `page`, URL-encoded: what a list's page
    links append their page number to (templates/portal/_pagination.html's `query`)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
