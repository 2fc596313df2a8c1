"""Every view that hands out a stored PDF answers through one function
(certificates.pdf_views.stored_pdf_response): the 202 page while it is being drawn,
the 409 page when no font draws it, never a half-written file. A new view that opens
a stored PDF by hand fails here."""

import ast
from pathlib import Path

from tests.project import PROJECT_APPS

ROOT = Path(__file__).resolve().parents[2]
# A bundle is a job with its own progress page: its PDF is a 404 until it is made.
BY_HAND = {("certificates/views.py", "bundle_pdf")}


def _opens_a_stored_pdf(node: ast.AST) -> bool:
    """`<anything>.pdf.open(...)`."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "open"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "pdf"
    )


def views_opening_stored_pdfs() -> set[tuple[str, str]]:
    found = set()
    for app in PROJECT_APPS:
        for path in (ROOT / app).rglob("*views.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if isinstance(function, ast.FunctionDef) and any(
                    _opens_a_stored_pdf(node) for node in ast.walk(function)
                ):
                    found.add((str(path.relative_to(ROOT)), function.name))
    return found


def test_only_the_one_answer_opens_a_stored_pdf_in_a_view():
    # The one answer is found too: the scan sees what it looks for.
    assert views_opening_stored_pdfs() == {
        ("certificates/pdf_views.py", "stored_pdf_response"),
        *BY_HAND,
    }
