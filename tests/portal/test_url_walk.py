"""The URL walk (issue 18): every URL pattern, as every member of the cast and as an
anonymous visitor, with ids inside and outside each member's scope.

New URLs join without being listed: the patterns come from `get_resolver()`, the
ids from their converters (tests/walk_world.py makes objects of every kind with
known ids: set A's first rows are 700001 …, set B's 800001 …), the names a view
reads from the query or the form from the apps' source and their forms.

What it asserts:
- every view declares its guard (portal.roles.guard_of);
- no request answers a server error (500, an exception, or a 503 "outage");
- a role the guard leaves out gets 403 (logged in), an anonymous visitor the login
  page, 401, 403, 404 or 405 (except on public views);
- nobody outside B's scope (alice, hr_a, health_admin, jinan_hr, institution_staff,
  the anonymous visitor) reads a page, file or header showing B's canary or a full
  ID number of B's people, and their POSTs naming B's ids write nothing.

What it requests — chosen so that the file runs in well under a minute (each
request costs some 20 ms here); `walk_as`, `reach_of`, `post_sides`:
- each member, on every URL its guard lets it in, GETs: the members outside B's
  scope A's ids and B's (B's second and third rows where B's first one is shown),
  provincial HR A's and B's first, bob, hr_b and qingdao_hr (who mirror alice,
  hr_a and jinan_hr on the other set) B's first; with the first sample of the other
  kwargs, and every sample with the first rows. Public URLs: every id and code
  as the anonymous visitor, a few as PUBLIC_WALKERS. Then an empty POST naming the
  first row of the member's own set, and of B's for those outside B's scope;
- for every URL, the first member its guard keeps out, and the anonymous visitor:
  the guard's answer (the same for every member of a role it leaves out);
- once per URL, by its `hostile_walker` on the first row of its own set: the
  hostile values in every name the apps read (`read_names`), HOSTILE_PROBES in the
  query of a GET (where the GET drew a page) and HOSTILE in the form of a POST
  (`post_hostile`: the other four only when the first two change the answer);
  outside B's scope, one hostile POST naming B's first row too;
- the id nobody has (999999999999999999) and the unknown code: the hostile walker.
Left out besides: LEFT_OUT, each with its reason.

A POST runs in a savepoint rolled back after it, so that no request changes what
the next one sees (GETs share one, rolled back when one breaks the transaction).
Each test collects its faults into one list.
"""

import functools
import importlib
import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.converters import PkConverter, VerificationCodeConverter, YearConverter
from portal.models import Membership, Role
from portal.roles import guard_of
from tests import walk_world
from tests.portal.test_home import CAST_ROLE
from tests.project import PROJECT_APPS
from tests.walk_world import HUGE_PK, ids

ROOT = Path(settings.BASE_DIR)
ANONYMOUS = "anonymous"
# The cast (tests/conftest.py) with the role each acts in (test_the_cast_acts_so).
ROLE_OF = {
    **CAST_ROLE,
    "bob": Role.PROFESSIONAL,
    "hr_b": Role.UNIT_HR,
    "qingdao_hr": Role.CITY_HR,
}
MEMBERS = tuple(ROLE_OF)
# Nobody of these may read anything of set B (test_the_cast_acts_so checks).
OUTSIDERS = (
    "alice",
    "hr_a",
    "health_admin",
    "jinan_hr",
    "institution_staff",
    "base_staff",
    ANONYMOUS,
)
# The set whose objects are in a member's scope (provincial HR: both; A is tried).
OWN_SIDE = {name: "B" if name in ("bob", "hr_b", "qingdao_hr") else "A" for name in MEMBERS}
OWN_SIDE[ANONYMOUS] = "A"
HOSTILE = ("²", "１", "abc", "-1", "99999999999999999999", "")
# The two that trip parsing code most: a digit str.isdigit() accepts and int()
# refuses, and a number past bigint. The only ones put in a query string (where
# "abc" fails as "²" does, and "１", "-1" and "" parse or are ignored alike); a POST
# gets the other four where these two change its answer (post_hostile).
HOSTILE_PROBES = ("²", "99999999999999999999")

# Samples of the URL kwargs that are neither ids, years nor verification codes, by
# kwarg name. A new name fails test_every_kwarg_has_samples: add its values here.
# The first is the one the hostile values go with (all of them for POST-only URLs).
SAMPLES = {
    "role": [*Role.values, "nobody"],
    "kind": ["xlsx", "pdf", "docx", "word", "csv"],
    "action": ["enrol", "record", "upload", "close", "file", "explode"],
    # learning:heartbeat takes its lesson id as text and parses it itself.
    "pk": [str(walk_world.A_BASE + 1), str(walk_world.B_BASE + 1), "١٢", "1e3", "abc"],
}


def _renders_a_published_plan(kwargs, member, phase) -> bool:
    return (
        kwargs.get("kind") in ("docx", "pdf")
        and kwargs.get("pk") in walk_world.published_plans()
        and not (phase == "get" and member in (ANONYMOUS, "health_admin"))
    )


# Requests the walk leaves out: route name → (predicate(kwargs, member, phase), reason).
LEFT_OUT = {
    "learning:plan_download": (
        _renders_a_published_plan,
        "each answer renders a published plan as Word or PDF (about a second on a busy "
        "machine), the same file for everybody but the authority's own admins: its "
        "GETs of a published plan are walked by the anonymous visitor and by "
        "health_admin (an editor), and left out of the POSTs and hostile values (it "
        "reads no form); drafts and unknown ids are walked by everyone",
    ),
}

# Writes an outsider may make with B's ids: B's published courses are open to
# everybody (enrolling writes the enrolment and its audit entry).
OPEN_TO_ALL = {"learning:enrol"}
# Tables a request writes for the session and the login throttle, not for the data:
# not counted as a change of the database.
BOOKKEEPING_TABLES = re.compile(r"^(django_session|axes_.*|portal_session.*)$")
# Django's own views outside the portal's: the admin site has its own login and
# permissions, static and media files are served by whitenoise and nginx.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_MODULES = ("django.views.static", "django.contrib.staticfiles")


# -- the URL patterns ----------------------------------------------------------------


@dataclass
class Route:
    name: str
    callback: object
    converters: dict  # kwarg name → converter instance
    guard: object

    @property
    def roles(self) -> tuple | None:
        """The roles the guard lets in; None for public and signed-in views (and for
        views without a guard: the walk requests those as if anybody could)."""
        return self.guard if isinstance(self.guard, tuple) else None


def routes() -> list[Route]:
    found = []

    def walk(patterns, namespace, converters):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                if pattern.namespace in SKIPPED_NAMESPACES:
                    continue
                walk(
                    pattern.url_patterns,
                    inner,
                    {**converters, **getattr(pattern.pattern, "converters", {})},
                )
            elif isinstance(pattern, URLPattern):
                if pattern.callback.__module__.startswith(SKIPPED_MODULES) or not pattern.name:
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                kwarg_converters = {**converters, **getattr(pattern.pattern, "converters", {})}
                found.append(Route(name, pattern.callback, kwarg_converters, None))

    walk(get_resolver().url_patterns, "", {})
    for route in found:
        route.guard = guard_of(route.callback)
    return found


ROUTES = routes()


@dataclass(frozen=True)
class Reach:
    """Which candidates a walk tries: the first `a` rows of set A and the first `b`
    of set B (and their verification codes: kwarg_values), whether the id and the
    code nobody has, how many samples of the other kwargs, which role first."""

    a: int = walk_world.PER_SET
    b: int = walk_world.PER_SET
    unknown: bool = False
    samples: int = 99  # how many of each kwarg's SAMPLES
    role: str = ""  # the sample of <str:role> to try first (a member's own role)


FULL = Reach(unknown=True)
FIRST_ROWS = Reach(1, 1)


def _ids(reach: Reach) -> list[int]:
    return [*ids("A")[: reach.a], *ids("B")[: reach.b]]


def kwarg_values(route: Route, name: str, world, reach: Reach) -> list:
    """The candidates for one kwarg."""
    converter = route.converters[name]
    if isinstance(converter, YearConverter):
        return [walk_world.PAST_YEAR]
    if isinstance(converter, PkConverter):
        return [*_ids(reach), *([HUGE_PK] if reach.unknown else [])]
    if isinstance(converter, VerificationCodeConverter):
        # Every code of A (each kind of document: a page answers its own kind) with
        # the unknown one; else, and of B, the first (B's show what A's do).
        a, b = (world.codes(side) for side in walk_world.SIDES)
        if reach.unknown:
            return [*a[: reach.a and None], *b[: min(reach.b, 1)], "A" * 22]
        return [*a[: min(reach.a, 1)], *b[: min(reach.b, 1)]]
    if name == "code":  # <slug:code>: a platform
        return world.platform_codes[: 2 if reach.unknown else 1]
    if name == "pk":  # learning:heartbeat's lesson id, as text
        return [str(i) for i in _ids(reach)] + (SAMPLES["pk"] if reach.unknown else [])
    if name == "role" and reach.role:
        return [reach.role, *(r for r in SAMPLES[name] if r != reach.role)][: reach.samples]
    return SAMPLES[name][: reach.samples]


def combinations(route: Route, world, reach: Reach = FULL) -> list[dict]:
    """The kwargs to try: every id candidate (kwarg_values) with the first sample of
    the other kwargs, then every sample with the first rows of A and of B (not every
    pair of the two). Several ids in one URL (a declaration and its evidence, a course
    and its question) take the same position of each list together — A's first with
    A's first … — and A's and B's first rows crossed: the world numbers a row and the
    rows it holds alike (declaration 700001 has evidence 700001)."""
    names = sorted(route.converters)
    id_names = [n for n in names if _is_id(route.converters[n])]
    others = [n for n in names if n not in id_names]
    candidates = {name: kwarg_values(route, name, world, reach) for name in names}
    if len(id_names) > 1:
        id_choices = [dict.fromkeys(id_names, v) for v in candidates[id_names[0]]]
        if reach.a and reach.b:
            first_a, first_b = ids("A")[0], ids("B")[0]
            id_choices += [
                dict(zip(id_names, crossed, strict=False))
                for crossed in ((first_a, first_b), (first_b, first_a))
            ]
    else:
        id_choices = [{name: v} for name in id_names for v in candidates[name]] or [{}]
    first = {name: candidates[name][0] for name in others}
    chosen = [{**choice, **first} for choice in id_choices]
    firsts = [c for c in id_choices if set(c.values()) <= {*FIRST_IDS, *world.first_codes()}]
    for name in others:
        for value in candidates[name][1:]:
            chosen += [{**choice, **first, name: value} for choice in firsts or id_choices[:1]]
    unique = []
    for kwargs in chosen:
        if kwargs not in unique:
            unique.append(kwargs)
    return unique


def _is_id(converter) -> bool:
    return isinstance(converter, PkConverter | VerificationCodeConverter) and not isinstance(
        converter, YearConverter
    )


FIRST_IDS = {ids("A")[0], ids("B")[0]}
# B's rows after the first: a walk GETs them only where B's first row was shown (its
# drafts beside a published row, say); where that was refused, so are they (scopes
# follow units, authorities, cities and people, not the state of a row).
LATER_B = {*ids("B")[1:], *(str(i) for i in ids("B")[1:])}


def first_rows(route: Route, world, sides=walk_world.SIDES, samples=99) -> list[dict]:
    """The combinations naming the first row (or code) of each of `sides`, with the
    first `samples` samples of the other kwargs: what the POSTs try."""
    chosen = []
    for side in sides:
        reach = Reach(a=int(side == "A"), b=int(side == "B"), samples=samples)
        chosen += [c for c in combinations(route, world, reach) if c not in chosen]
    return chosen


def names_b(kwargs: dict, world) -> bool:
    """Whether any kwarg is an id or a code of set B."""
    b = {*ids("B"), *world.codes("B"), *(str(i) for i in ids("B"))}
    return any(value in b for value in kwargs.values())


# -- the names views read ------------------------------------------------------------

READS = [
    re.compile(r"""request\.(?:GET|POST)(?:\.get(?:list)?\(|\[)\s*["']([\w-]+)["']"""),
    re.compile(r"""["']([\w-]+)["']\s+(?:not\s+)?in\s+request\.(?:GET|POST)\b"""),
]


@functools.cache
def read_names() -> tuple[str, ...]:
    """Every name the apps read from a query string or a form: request.GET/POST
    lookups in their source, and the fields of their forms."""
    from django import forms

    names = set()
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            for pattern in READS:
                names.update(pattern.findall(source))
            if path.name == "forms.py":
                module = importlib.import_module(
                    ".".join(path.relative_to(ROOT).with_suffix("").parts)
                )
                for value in vars(module).values():
                    if (
                        isinstance(value, type)
                        and issubclass(value, forms.BaseForm)
                        and value.__module__ == module.__name__
                    ):
                        names.update(value.base_fields)
    return tuple(sorted(names))


# -- the world -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both sets of tests/walk_world.py, made once for the module inside a transaction
    that is rolled back at its end; each test runs in a savepoint inside it."""
    files = tmp_path_factory.mktemp("walk")
    media = override_settings(MEDIA_ROOT=files / "media", PRIVATE_MEDIA_ROOT=files / "private")
    media.enable()
    with django_db_blocker.unblock():
        saved = walk_world.saved_sequences()
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            made = walk_world.build()
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            walk_world.restore_sequences(saved)
        media.disable()


@pytest.fixture
def media_in_tmp(world):
    """Instead of tests/conftest.py's per-test folders: the world's files live in the
    module's folder (set by `world`)."""


# -- requests ------------------------------------------------------------------------


def _write_counts() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this transaction, per table
    (PostgreSQL's pg_stat_xact_user_tables; a rolled-back savepoint's count too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {
            table: count
            for table, count in cursor.fetchall()
            if not BOOKKEEPING_TABLES.match(table)
        }


def _transaction_broken() -> bool:
    """Whether a database error has aborted the transaction (PostgreSQL then refuses
    every statement until a rollback)."""
    from psycopg.pq import TransactionStatus

    return connection.connection.info.transaction_status == TransactionStatus.INERROR


def _body(response) -> bytes:
    """The headers and the body (an .xlsx or .docx with what its parts hold)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content += b"".join(archive.read(name) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    return headers + b"\n" + content


def _last_line(response) -> str:
    if response.exc_info:
        error = response.exc_info[1]
        text = str(error).splitlines()[0] if str(error) else ""
        return f"{type(error).__name__}: {text}"
    return "(no exception: the answer itself)"


@dataclass
class Walker:
    """Sends the requests of one member (or of the anonymous visitor) and collects
    what went wrong, one line a fault."""

    client: Client
    who: str
    world: object
    relogin: object = None
    faults: list = field(default_factory=list)
    savepoint: str | None = None

    def _rollback(self) -> None:
        """Undo what the requests since the savepoint wrote."""
        if self.savepoint is not None:
            transaction.savepoint_rollback(self.savepoint)
            connection.needs_rollback = False
            self.savepoint = None

    @property
    def outsider(self) -> bool:
        return self.who in OUTSIDERS

    def request(self, route, kwargs, method="get", hostile=None, expect=None, phase=None):
        """One request; None when LEFT_OUT leaves it out. `hostile`: the value every
        read name gets, in the query of a GET, in the form of a POST. Its faults go
        to `faults`: a server error, a status not in `expect`, for those outside B's
        scope a 200 showing B's secrets or a POST naming B's ids that wrote."""
        left_out = LEFT_OUT.get(route.name)
        if left_out and left_out[0](kwargs, self.who, phase or method):
            return None
        path = reverse(route.name, kwargs=kwargs)
        url = path
        data = {}
        if hostile is not None:  # in the query of a GET, the form of a POST
            values = dict.fromkeys(read_names(), hostile)
            if method == "get":
                url = f"{path}?{urlencode(values)}"
            else:
                data = values
        what = f"{route.name} {method.upper()} {path} as {self.who}"
        if hostile is not None:
            what += f" with every read name = {hostile!r}"
        watch = (
            self.outsider
            and method == "post"
            and names_b(kwargs, self.world)
            and route.name not in OPEN_TO_ALL
        )
        # A POST runs in a savepoint of its own, rolled back after it. GETs share one,
        # rolled back when one breaks the transaction (a database error).
        if method == "post" or self.savepoint is None:
            self._rollback()
            self.savepoint = transaction.savepoint()
        try:
            before = _write_counts() if watch else {}
            if method == "get":
                response = self.client.get(url)
            else:  # a form as browsers post it (urlencoded: cheaper than multipart)
                response = self.client.post(
                    url, urlencode(data), content_type="application/x-www-form-urlencoded"
                )
            try:
                # A streamed answer is made while it is read; reading it to the end
                # closes it (the client's wrapper; closing it here would close the
                # database connection, as at the end of a real request).
                body = _body(response)
            except Exception as error:
                self.faults.append(f"{what}: {type(error).__name__}: {error} while streaming")
                body = b""
            after = _write_counts() if watch else {}
        finally:
            if method == "post" or _transaction_broken():
                self._rollback()
        response.walk_length = len(body)
        if route.name == "portal:logout" and self.relogin:
            self.relogin()
        status = response.status_code
        if response.exc_info or status >= 500:
            self.faults.append(f"{what}: {status} {_last_line(response)}")
            return response
        if expect and status not in expect:
            self.faults.append(f"{what}: {status}, expected {' or '.join(map(str, expect))}")
        if self.outsider and status == 200:
            leaked = self.leaks(route, kwargs, body)
            if leaked:
                self.faults.append(f"{what}: 200 shows set B's {leaked}")
        written = sorted(t for t, n in after.items() if n > before.get(t, 0))
        if written:
            self.faults.append(f"{what}: {status}, wrote to {', '.join(written)}")
        return response

    def leaks(self, route, kwargs, body: bytes) -> str:
        """What of B's secrets `body` shows ("" for nothing)."""
        if names_b(kwargs, self.world) and any(
            isinstance(route.converters[k], VerificationCodeConverter) for k in kwargs
        ):
            return ""  # a verification page shows what its code (the key) unlocks
        for secret in self.world.secrets_of_b():
            if secret in body:
                text = secret.decode()
                return "canary" if text == walk_world.CANARY else f"ID number {text}"
        return ""


def lets_in(route: Route, member: str) -> bool:
    if member == ANONYMOUS:
        return route.guard == "public"
    return route.roles is None or ROLE_OF[member] in route.roles


def hostile_walker(route: Route) -> str:
    """Who sends the hostile values to `route`: the anonymous visitor to a public
    one, else the first member of MEMBERS the guard lets in."""
    if route.guard == "public":
        return ANONYMOUS
    return next((name for name in MEMBERS if lets_in(route, name)), MEMBERS[0])


def guard_checker(route: Route) -> str | None:
    """The member who checks that `route`'s guard keeps her out: the first of MEMBERS
    whose role it leaves out (the guard answers alike for every role it leaves out:
    portal.roles.role_required), besides the anonymous visitor."""
    return next((name for name in MEMBERS if not lets_in(route, name)), None)


def reach_of(member: str, route: Route) -> Reach | None:
    """The ids `member` GETs `route` with; None: the member does not walk it.

    Public URLs: every id and code by the anonymous visitor, and by the members of
    PUBLIC_WALKERS what it says. Other URLs: the URL's hostile walker all of its own
    set's ids, the id nobody has and every sample of the other kwargs (a report's
    kinds); the other members the first two of their own set's and the first sample
    (of <str:role> their own role). Besides, the members outside B's scope B's ids
    (the later ones where B's first is shown: walk_as), provincial HR B's first;
    bob, hr_b and qingdao_hr, who mirror alice, hr_a and jinan_hr on the other set,
    only B's first. The other samples go with the first rows (`combinations`)."""
    if route.guard == "public":
        if member == ANONYMOUS:
            return FULL
        return PUBLIC_WALKERS.get(member)
    walks_all = hostile_walker(route) == member
    if OWN_SIDE[member] == "B":
        reach = Reach(a=0, b=1)
    elif ROLE_OF[member] == Role.PROVINCE_HR:
        reach = Reach(a=walk_world.PER_SET if walks_all else 2, b=1)
    else:
        reach = Reach(a=walk_world.PER_SET if walks_all else 2)
    return Reach(
        reach.a, reach.b, unknown=walks_all, samples=99 if walks_all else 1, role=ROLE_OF[member]
    )


def post_sides(member: str, route: Route, post_only: bool) -> tuple[str, ...]:
    """Whose first rows `member`'s empty POSTs name. The members outside B's scope
    post B's (to see that nothing is written), and A's where they send the hostile
    values or the URL takes only POSTs; on public URLs only where it has ids. The
    others post their own set's, bob, hr_b and qingdao_hr only where the URL takes
    only POSTs. The anonymous visitor posts A's on public URLs."""
    has_ids = any(_is_id(c) or name == "pk" for name, c in route.converters.items())
    own = (OWN_SIDE[member],)
    if member == ANONYMOUS:
        return own
    if route.guard == "public":
        return ("B",) if member in OUTSIDERS and member in PUBLIC_WALKERS and has_ids else ()
    if member in OUTSIDERS:
        return walk_world.SIDES if post_only or hostile_walker(route) == member else ("B",)
    if OWN_SIDE[member] == "B":
        return own if post_only else ()
    return own


# Who walks the public URLs logged in, besides the anonymous visitor (every id and
# code): a public page shows a logged-in member what it shows everybody, but for
# the professional (her enrolment in a course) and the department admin (her
# authority's draft plans, ?draft=1): they GET A's first row and all of B's (B's
# drafts, which they must not see); provincial HR the first rows.
PUBLIC_WALKERS = {
    "alice": Reach(a=1, samples=1),
    "health_admin": Reach(a=1, samples=1),
    "province_hr": Reach(1, 1, samples=1),
}

LOGIN_OR_REFUSED = (302, 401, 403, 404, 405)


def check_refusal(walker: Walker, route: Route, kwargs: dict) -> None:
    """The guard keeps `walker` out: 403 for a member, the login page (or 401, 403,
    404, 405) for the anonymous visitor. A GET answered 405 is tried as a POST."""
    expect = LOGIN_OR_REFUSED if walker.who == ANONYMOUS else (403, 405)
    response = walker.request(route, kwargs, expect=expect)
    if response is not None and response.status_code == 405:
        expect = LOGIN_OR_REFUSED if walker.who == ANONYMOUS else (403,)
        response = walker.request(route, kwargs, "post", expect=expect)
    if response is None or response.status_code != 302:
        return
    location, login = response.get("Location", ""), resolve_url(settings.LOGIN_URL)
    if walker.who != ANONYMOUS or not location.startswith(login):
        walker.faults.append(
            f"{route.name} {response.request['REQUEST_METHOD']} "
            f"{reverse(route.name, kwargs=kwargs)} as {walker.who}: redirected to "
            f"{location}, not refused"
        )


def walk_as(walker: Walker) -> None:
    """Every route, as the module docstring says."""
    member, world = walker.who, walker.world
    for route in ROUTES:
        if not lets_in(route, member):
            if member in (ANONYMOUS, guard_checker(route)):
                check_refusal(walker, route, combinations(route, world, FIRST_ROWS)[0])
            continue
        reach = reach_of(member, route)
        if reach is None:
            continue
        # The combinations a GET answered with a page, with a file, with 403 or 404.
        pages, files, refused = [], [], []
        post_only = False
        b_shown = False  # whether a GET naming B's first row was answered with a page
        for kwargs in combinations(route, world, reach):
            if not b_shown and set(kwargs.values()) & LATER_B:
                continue  # B's other rows: only where B's first one is shown (below)
            answer = walker.request(route, kwargs)
            if answer is not None and answer.status_code == 200 and names_b(kwargs, world):
                b_shown = True
            if answer is not None and answer.status_code == 405:
                post_only = True  # the method is checked first: no other id changes it
                break
            if answer is not None and answer.status_code == 200:
                pages.append(kwargs)
                if answer.has_header("Content-Disposition"):
                    files.append(kwargs)
            if answer is not None and answer.status_code in (403, 404):
                refused.append(kwargs)
        # Every sample of the other kwargs (a class's actions) only for POST-only URLs.
        samples = 99 if post_only else 1
        empty_posts = []  # (kwargs, answer): what a hostile POST is compared with
        for kwargs in first_rows(route, world, post_sides(member, route, post_only), samples):
            empty_posts.append((kwargs, walker.request(route, kwargs, "post")))
        if hostile_walker(route) != member:
            continue
        own = first_rows(route, world, OWN_SIDE[member], samples)
        # Where the own set's first row is refused (not this member's: a course she
        # is not enrolled in), the first of its rows a GET drew a page for.
        drawn = [k for k in pages if k not in files and not names_b(k, world)]
        if not post_only and own[0] in refused and drawn:
            own = drawn[:1]
        for kwargs in own:
            if kwargs in pages:  # a GET that does not draw the page reads no query
                for value in HOSTILE_PROBES:
                    walker.request(route, kwargs, hostile=value, phase="hostile")
            if kwargs in files or kwargs in refused:
                continue  # a file's URL takes no form; a refusal comes before it
            empty = next((a for k, a in empty_posts if k == kwargs), None)
            if empty is None:
                empty = walker.request(route, kwargs, "post")
            post_hostile(walker, route, kwargs, empty)
        if walker.outsider:
            # One hostile value, the one int() reads, in a POST naming B's first rows.
            for kwargs in first_rows(route, world, "B")[:1]:
                if names_b(kwargs, world):
                    walker.request(route, kwargs, "post", hostile="１", phase="hostile")


def _answer(response) -> tuple | None:
    return None if response is None else (response.status_code, response.walk_length)


def post_hostile(walker: Walker, route: Route, kwargs: dict, empty) -> None:
    """POST every hostile value. The first two (HOSTILE_PROBES) are the ones parsing
    code trips on most: when the answer to both is the answer to the empty POST
    (same status, same length), the view reads none of the names and the others are
    left out."""
    answers = [
        walker.request(route, kwargs, "post", hostile=value, phase="hostile")
        for value in HOSTILE_PROBES
    ]
    if empty is not None and all(_answer(a) == _answer(empty) for a in answers):
        return
    for value in HOSTILE:
        if value not in HOSTILE_PROBES:
            walker.request(route, kwargs, "post", hostile=value, phase="hostile")


def report(faults: list[str], who: str) -> str:
    shown = "\n".join(faults[:300])
    more = f"\n… and {len(faults) - 300} more" if len(faults) > 300 else ""
    return f"{len(faults)} faults walking as {who}:\n{shown}{more}"


# -- the tests -----------------------------------------------------------------------


@pytest.mark.django_db  # with the walk, before the transactional tests (world)
def test_every_view_declares_a_guard():
    unguarded = sorted(
        f"{r.name} ({r.callback.__module__}.{getattr(r.callback, '__name__', '?')})"
        for r in ROUTES
        if r.guard is None
    )
    assert not unguarded, (
        f"{len(unguarded)} views declare no guard (portal.roles: @role_required, "
        "@public or @signed_in):\n" + "\n".join(unguarded)
    )


# Every view anybody may reach without logging in. A new one must be added here on
# purpose: @public is the one guard that lets a stranger in.
PUBLIC_VIEWS = {
    "bases:public_list",
    "bases:public_training",
    "certificates:registration_check_verify",
    "certificates:statement_verify",
    "certificates:title_document_verify",
    "certificates:verify",
    "certificates:verify_file",
    "certificates:verify_form",
    "digital_engineer:verify",
    "learning:catalog",
    "learning:course",
    "learning:openapi",
    "learning:plan",
    "learning:plan_download",
    "learning:plans",
    "learning:push",
    "learning:quality_list",
    "portal:elder_mode",
    "portal:healthz",
    "portal:home",
    "portal:login",
    "portal:logout",
    "portal:password_reset",
    "portal:password_reset_confirm",
    "portal:register",
    "portal:register_unit",
    "portal:unit_options",
}


@pytest.mark.django_db  # with the walk, before the transactional tests (world)
def test_the_public_views_are_the_ones_meant_to_be():
    public = {r.name for r in ROUTES if r.guard == "public"}
    assert public == PUBLIC_VIEWS, (
        f"public now, not meant to be: {sorted(public - PUBLIC_VIEWS)}; "
        f"meant to be, not public: {sorted(PUBLIC_VIEWS - public)}"
    )


@pytest.mark.django_db  # with the walk, before the transactional tests (world)
def test_every_kwarg_has_samples():
    missing = sorted(
        f"{route.name}: <{type(converter).__name__} {name}>"
        for route in ROUTES
        for name, converter in route.converters.items()
        if not isinstance(converter, PkConverter | VerificationCodeConverter)
        and name != "code"
        and name not in SAMPLES
    )
    assert not missing, "Add sample values to SAMPLES for: " + ", ".join(missing)


@pytest.mark.django_db  # with the walk, before the transactional tests (world)
def test_the_walk_finds_the_names_views_read():
    # A few the views are known to read: the scan must find them.
    assert {"year", "page", "decision", "reason", "q", "next", "action"} <= set(read_names())


@pytest.mark.django_db
def test_the_cast_acts_so(world):
    """ROLE_OF and OWN_SIDE say what the world made; the outsiders see nothing of B."""
    from portal import scoping

    b = world.sides["B"]
    for name, role in ROLE_OF.items():
        actor = Membership.objects.filter(user=world.cast[name]).order_by("pk").first()
        assert actor.role == role, name
        if name in OUTSIDERS:
            assert b.professional not in scoping.people_visible_to(actor), name
            assert b.unit not in scoping.units_visible_to(actor), name
            assert b.city not in scoping.cities_visible_to(actor), name
            assert b.authority not in scoping.authorities_visible_to(actor), name
            assert b.institution not in scoping.institutions_visible_to(actor), name
    assert b.unit.name.endswith(walk_world.CANARY)


@pytest.mark.django_db
@pytest.mark.parametrize("member", [*MEMBERS, ANONYMOUS])
def test_walk(member, world, eager_celery):
    # An address of its own: the verification and registration throttles count per
    # address, in Redis, across runs.
    client = Client(raise_request_exception=False, REMOTE_ADDR=f"fd00::{uuid.uuid4().hex[:4]}")
    walker = Walker(client, member, world)
    if member != ANONYMOUS:
        user = world.cast[member]
        client.force_login(user)
        walker.relogin = lambda: client.force_login(user)
    walk_as(walker)
    walker._rollback()
    assert not walker.faults, report(walker.faults, member)
