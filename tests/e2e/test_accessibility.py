"""WCAG 2.1 A/AA on every page a visitor reaches, checked by axe-core in the browser.

For the anonymous visitor and each role of the cast, the test starts at the role's
home (the public front page for the anonymous visitor), follows every same-origin
link of the header menu and of the pages' main content (GET only; one page per URL
name), and runs axe on each page in the normal and in the elder-friendly mode.
axe-core comes from the npm registry at the version package-lock.json pins (`make
test` installs it into node_modules/).
"""

import contextlib
import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from credits.models import ActivityKind, Category, ReportJob, Source
from credits.reports import report_compute
from credits.services import credit_post
from portal.models import JobStatus, ReviewStatus, Transfer
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import ProfileFactory, UserFactory, make_professional, make_training_class

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Links not followed: the Django admin (not the portal's templates), files, and views
# that change something or end the session.
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/logout/")
SKIPPED_SUFFIXES = (".pdf", ".xlsx", ".csv", ".zip", ".png", ".svg")
MAX_PAGES = 40  # per role and mode: a guard against a crawl that never ends

# The visible text set smallest on the page, as (size in px, element), for the elder-
# friendly mode's promise of 18 px at least.
SMALLEST_TEXT = """() => {
  let smallest = [1000, ""];
  for (const el of document.querySelectorAll("body *")) {
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !el.checkVisibility() || el.closest(".visually-hidden")) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const name = el.tagName.toLowerCase() + "." + [...el.classList].join(".");
    if (size < smallest[0]) smallest = [size, name];
  }
  return smallest;
}"""

ROLES = [
    "anonymous",
    "alice",
    "hr_a",
    "health_admin",
    "jinan_hr",
    "province_hr",
    "institution_staff",
    "base_staff",
    "association",
]


@pytest.fixture
def lived_in(cast, unit_a, institution, jinan):
    """The cast with the data that fills their pages: two years of hours (the current
    one short of professional hours), a pending declaration, a certificate, courses with
    lessons and enrolments, a published plan, a registration and a transfer waiting for
    unit A's HR, unit A's compliance report, and a class of the institution."""
    from bases.models import Trainee, Training
    from certificates.services import certificate_issue
    from credits.declarations import declaration_create
    from learning import demo as learning_demo
    from learning.catalog.services import enrol
    from learning.models import Course

    alice = cast["alice"]
    colleague = make_professional(unit_a, real_name="贝蒂")
    this_year = datetime.date.today().year
    for person, year, public, professional in (
        (alice, this_year - 1, 30, 60),
        (alice, this_year, 24, 36),
        (colleague, this_year - 1, 30, 48),
    ):
        for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
            credit_post(
                person=person,
                year=year,
                category=category,
                hours=Decimal(hours),
                source=Source.COURSE,
                source_ref=f"a11y-{person.pk}-{year}-{category}",
                description="专业能力提升研修班",
            )
    certificate_issue(person=alice, year=this_year - 1, issued_by=None, render=False)
    declaration_create(
        person=alice,
        kind=ActivityKind.objects.get(code="conference-provincial"),
        occurred_on=datetime.date(this_year, 5, 20),
        quantity=Decimal(1),
        with_bonus=False,
        description="山东省医学会学术年会",
        evidence_files=[],
    )
    learning_demo.seed()
    for course in Course.objects.all():
        enrol(person=alice, course=course)
    newcomer = UserFactory(real_name="周新")
    ProfileFactory(user=newcomer, unit=unit_a, status=ReviewStatus.PENDING)
    Transfer.objects.create(person=cast["bob"], from_unit=cast["bob"].profile.unit, to_unit=unit_a)
    make_training_class(institution, jinan)
    # The cast's base: an approved training with alice enrolled, one awaiting approval.
    base = cast["base_staff"].memberships.get().base
    trainings = [
        Training.objects.create(
            base=base,
            title=title,
            category=Category.PROFESSIONAL,
            field=base.fields[0],
            starts_on=datetime.date(this_year, 12, 20),
            ends_on=datetime.date(this_year, 12, 22),
            mode="offline",
            hours=Decimal(16),
            capacity=30,
            status=status,
            proposed_by=cast["base_staff"],
        )
        for title, status in (
            ("智能制造专题研修班", "approved"),
            ("工业互联网应用培训", "proposed"),
        )
    ]
    Trainee.objects.create(training=trainings[0], person=alice, via="self")
    # Unit A's finished compliance report, tables and charts (its files are not needed).
    report = ReportJob.objects.create(
        requested_by=cast["hr_a"], year=this_year - 1, scope="unit", unit=unit_a, total=3
    )
    ReportJob.objects.filter(pk=report.pk).update(
        summary=report_compute(report), status=JobStatus.DONE, done=3, finished_at=timezone.now()
    )
    return cast


def page_key(url: str) -> str | None:
    """The URL name a link leads to (one page per name), or None for a link not to follow."""
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(SKIPPED_PREFIXES) or path.lower().endswith(SKIPPED_SUFFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name in {"logout", "healthz"}:
        return None
    return match.view_name


def check_page(page, url: str, min_text_px: float = 0) -> list[str] | None:
    """Open `url` and run axe on it; the violations as lines, or None when the answer is
    not an HTML page (a download). With `min_text_px`, text smaller is one too."""
    try:
        # The stylesheets are in by then: the scripts at the end of the body wait for them.
        response = page.goto(url, wait_until="domcontentloaded")
    except Exception as error:  # Chromium aborts navigation to a file it downloads
        if "Download is starting" in str(error) or "ERR_ABORTED" in str(error):
            return None
        raise
    if response is None or "text/html" not in (response.headers.get("content-type") or ""):
        return None
    if page.locator("[hx-trigger^=load]").count():  # fragments htmx loads at once
        # A page that polls its job's progress never goes quiet: wait 3 s at most.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=3000)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            lines.append(
                f"{urlsplit(url).path}: {violation['id']} ({violation['impact']}) "
                f"at {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
            )
    if min_text_px:
        size, element = page.evaluate(SMALLEST_TEXT)
        if size < min_text_px:
            lines.append(f"{urlsplit(url).path}: text of {size} px < {min_text_px} px at {element}")
    return lines


def same_origin_links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "nav a[href], main a[href]:not([download])", "links => links.map(a => a.href)"
    )
    return [href.split("#")[0] for href in hrefs if href.startswith(base_url)]


def crawl(page, base_url: str, start: str, min_text_px: float = 0) -> tuple[list, list]:
    """Visit `start` and every page reached by links from it, breadth first, one page per
    URL name; return the pages checked and the violations found."""
    # For a logged-in user "/" only redirects to the role's home, where the crawl
    # starts; for the anonymous visitor it is the front page, where hers starts.
    queue, keys, checked, violations = [start], {"portal:home"}, [], []
    keys.discard(page_key(start))
    while queue and len(checked) < MAX_PAGES:
        url = queue.pop(0)
        key = page_key(url)
        if key is None or key in keys:
            continue
        keys.add(key)
        found = check_page(page, url, min_text_px)
        if found is None:
            continue
        landed = page_key(page.url)  # "/" redirects to the role's home, say
        if landed != key and landed in keys:
            continue
        keys.add(landed)
        checked.append(urlsplit(page.url).path)
        violations.extend(found)
        queue.extend(same_origin_links(page, base_url))
    return checked, violations


def toggle_elder_mode(page):
    with page.expect_navigation():
        page.get_by_test_id("elder-mode-switch").click()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_meets_wcag_21_aa_in_both_modes(browser, live_server, lived_in, role):
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    user = lived_in.get(role)
    base = live_server.url

    def steps(page):
        page.add_init_script(path=str(AXE))  # into every page the crawl opens
        if user is None:
            page.goto(base + reverse("portal:home"))  # the public front page
        else:
            log_in(page, base, user.phone, PASSWORD)
        start = page.url
        normal_pages, normal = crawl(page, base, start)
        page.goto(start)
        toggle_elder_mode(page)
        elder_class = page.evaluate("document.documentElement.classList.contains('elder')")
        elder_pages, elder = crawl(page, base, start, min_text_px=18)
        return normal_pages, normal, elder_pages, elder, elder_class

    normal_pages, normal, elder_pages, elder, elder_class = browser.run(steps, bypass_csp=True)
    print(f"{role}: {len(normal_pages)} pages: {' '.join(normal_pages)}")
    assert len(normal_pages) > 1
    assert elder_class
    assert sorted(elder_pages) == sorted(normal_pages)
    assert normal == [], "normal mode:\n" + "\n".join(normal)
    assert elder == [], "elder mode:\n" + "\n".join(elder)
