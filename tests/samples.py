"""Small files of each kind the portal accepts, made by the libraries that write them,
and the hostile look-alikes a security test filed (issue 20, item 6)."""

import io

from docx import Document
from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format=format)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG")


def jpeg_bytes() -> bytes:
    return image_bytes("JPEG")


def docx_bytes(text: str = "") -> bytes:
    document = Document()
    if text:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# 44 bytes of an OLE compound-file header: filed as a Word document.
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
OLE_HEADER += b"\x09\x00\x06\x00" + b"\x00" * (44 - len(OLE_HEADER) - 4)
# A web page behind a PDF header: accepted as evidence and as a filing PDF.
HTML_AS_PDF = b"%PDF-<html><script>alert(document.cookie)</script></html>"
HTML_AS_PNG = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
HTML_AS_JPEG = b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"
