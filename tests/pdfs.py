"""Reading the PDFs the portal produces, as a test checks what they say."""

import io
from pathlib import Path

from pypdf import PdfReader


def pdf_text(source: bytes | str | Path) -> str:
    """The text of every page of a PDF, given as its bytes or as a file path."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    return "".join(page.extract_text() for page in PdfReader(source).pages)
