"""Security headers: the Content-Security-Policy and the templates it needs (no inline
script, no event-handler attribute, no inline style), and `Cache-Control: private,
no-store` on whatever a logged-in user is sent."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from certificates.services import certificate_issue, certificate_render
from tests.certificates.conftest import YEAR, make_compliant

# Templates rendered by WeasyPrint into PDFs, never sent to a browser: their <style>
# is how the PDF is laid out.
PDF_TEMPLATE = re.compile(r"_pdf\.html$")
TAG = re.compile(r"<(?P<name>[a-zA-Z][\w-]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
EVENT_HANDLER = re.compile(r"(?:^|\s)on[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?:^|\s)style\s*=", re.IGNORECASE)


def template_files():
    """Every template of the project: templates/ and the project's apps' own."""
    base = Path(settings.BASE_DIR)
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and ".venv" not in Path(config.path).parts
    ]
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.html"))


def csp_violations(html: str, *, styles: bool = True) -> list[str]:
    """What a `script-src 'self'; style-src 'self'` policy would block in `html`."""
    found = []
    for tag in TAG.finditer(html):
        name, attrs = tag["name"].lower(), tag["attrs"]
        if name == "script" and "src=" not in attrs and "application/json" not in attrs:
            found.append(f"inline script: {tag[0]}")
        if EVENT_HANDLER.search(attrs):
            found.append(f"event-handler attribute: {tag[0]}")
        if styles and (name == "style" or STYLE_ATTRIBUTE.search(attrs)):
            found.append(f"inline style: {tag[0]}")
    if re.search(r"javascript:", html, re.IGNORECASE):
        found.append("javascript: URL")
    return found


def test_the_template_scan_finds_what_the_policy_blocks():
    html = (
        '<script>alert(1)</script><button onclick="go()">x</button>'
        '<div class="a" style="width: 5%"></div><style>p {}</style>'
        '<script src="/static/js/portal.js"></script>'
    )
    assert len(csp_violations(html)) == 4


def test_no_template_has_inline_script_handler_or_style():
    files = template_files()
    assert len(files) > 50
    problems = []
    for path in files:
        styles = not PDF_TEMPLATE.search(path.name)
        problems += [f"{path}: {p}" for p in csp_violations(path.read_text(), styles=styles)]
    assert problems == []


def header_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.django_db
def test_public_pages_carry_the_content_security_policy(client):
    for url in (reverse("certificates:verify_form"), reverse("portal:login")):
        directives = header_directives(client.get(url))
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["img-src"] == ["'self'", "data:"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]


@pytest.fixture
def certificate(alice, hr_a):
    make_compliant(alice)
    issued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate_render(issued.pk)


@pytest.mark.django_db
class TestLoggedInPages:
    def test_pages_of_a_logged_in_user_are_private_and_not_stored(self, client, alice):
        client.force_login(alice)
        response = client.get(reverse("portal:home"), follow=True)
        assert response.status_code == 200
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
        assert csp_violations(response.content.decode()) == []

    def test_a_private_download_is_not_stored(self, client, alice, certificate):
        client.force_login(alice)
        response = client.get(reverse("certificates:pdf", kwargs={"pk": certificate.pk}))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control

    def test_the_declaration_form_renders_without_inline_script(self, client, alice):
        client.force_login(alice)
        response = client.get(reverse("credits:declaration_new"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "js/declaration_form.js" in page
        assert csp_violations(page) == []


@pytest.mark.django_db
def test_the_public_verification_page_may_be_cached(client, certificate):
    page = reverse("certificates:verify", kwargs={"code": certificate.verification_code})
    for url in (reverse("certificates:verify_form"), page):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")
