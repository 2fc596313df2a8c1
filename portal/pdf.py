"""A pure PDF renderer: HTML in, bytes out; no database, no storage.

WeasyPrint is imported on first use (it takes a second or two to load) and its
font configuration is built once per process, not per document.
"""

from functools import cache

from django.conf import settings


@cache
def _weasyprint():
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML, FontConfiguration()


def render_pdf(html: str) -> bytes:
    html_class, font_config = _weasyprint()
    document = html_class(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(font_config=font_config)
