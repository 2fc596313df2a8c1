"""A pure PDF renderer: HTML in, bytes out; no database, no storage.

WeasyPrint is imported on first use (it takes a second or two to load); its font
configuration and the stylesheets are built once per process, not per document
(a new FontConfiguration per document makes a worker's memory grow without end).
"""

from functools import cache
from pathlib import Path

from django.conf import settings


@cache
def _weasyprint():
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML, CSS, FontConfiguration()


@cache
def _stylesheet(path: str):
    _html, css_class, font_config = _weasyprint()
    return css_class(filename=path, font_config=font_config)


def render_pdf(html: str, stylesheets: tuple[Path | str, ...] = ()) -> bytes:
    html_class, _css, font_config = _weasyprint()
    document = html_class(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(
        stylesheets=[_stylesheet(str(path)) for path in stylesheets], font_config=font_config
    )
