"""A pure PDF renderer: HTML in, bytes out; no database, no storage.

WeasyPrint is imported on first use (it takes a second or two to load); its font
configuration and the stylesheets are built once per process, not per document
(a new FontConfiguration per document makes a worker's memory grow without end).

Names no font can draw. Every document names its fonts with FONT_STACK (the
templates' `font-family`; tests/portal/test_pdf_glyphs.py holds them to it):
WenQuanYi Zen Hei (small subsets) and Noto Sans CJK SC for the common characters,
then HanaMinA and HanaMinB (Debian's fonts-hanazono, installed by
scripts/system-packages.sh) for CJK Extensions A to F, where names such as 林𬌗 have
their rarer characters. A character none of them has would come out as an empty box
while the text layer still reads right, so a text check cannot see it. Before
rendering, `missing_glyphs` looks up every character of the document's text in the
cmaps of the stack's font files (fontconfig's charsets, read once per process); with
`refuse_missing_glyphs=True` (certificates and statements) `render_pdf` raises
MissingGlyphs instead of drawing the box, and the caller flags the document for
provincial HR. Fontconfig could still find the character in some other installed
font; the check does not count on that, so what it passes is what the stack draws.
"""

import logging
import os
import subprocess
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FONT_STACK = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "HanaMinA", "HanaMinB")
FONT_FAMILY_CSS = ", ".join(f'"{family}"' for family in FONT_STACK) + ", sans-serif"


class MissingGlyphs(ValueError):
    """The document's text has characters no font of FONT_STACK can draw."""

    def __init__(self, characters: str):
        super().__init__(
            "no font of the certificate stack draws "
            + " ".join(f"{c} (U+{ord(c):04X})" for c in characters)
        )
        self.characters = characters


def missing_glyphs_message(characters: str) -> str:
    """Why a document was not generated, as HR and the holder read it."""
    from django.utils.translation import gettext as _

    return _(
        "No certificate font can draw %(characters)s, so the PDF was not generated; "
        "provincial HR has been notified."
    ) % {"characters": "、".join(f"{c}（U+{ord(c):04X}）" for c in characters)}


@cache
def _weasyprint():
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML, CSS, FontConfiguration()


@cache
def _stylesheet(path: str):
    _html, css_class, font_config = _weasyprint()
    return css_class(filename=path, font_config=font_config)


def _font_listing(family: str) -> list[tuple[str, int, str]]:
    """fontconfig's listing of `family`: (path, face index, charset) per installed
    face; the charset is fontconfig's cached copy of the face's cmap, as hex ranges."""
    try:
        # fontconfig's own listing: the files WeasyPrint (Pango) would use; the
        # arguments are our constants, never user input.
        listing = subprocess.run(  # noqa: S603
            [  # noqa: S607
                "fc-list",
                "--format",
                "%{file}|%{index}|%{family}|%{charset}\n",
                f":family={family}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        logger.warning("fc-list failed: cannot tell which characters %s draws", family)
        return []
    faces = []
    for line in listing.splitlines():
        path, index, families, charset = line.split("|", 3)
        if family in families.split(","):
            faces.append((path, int(index or 0), charset))
    return faces


def font_files(family: str) -> list[tuple[str, int]]:
    """The installed files (path, face index) of `family`, as fontconfig lists them."""
    return [(path, index) for path, index, _charset in _font_listing(family)]


def _charset_code_points(charset: str) -> set[int]:
    """The code points of fontconfig's charset text ("20-7e a0-ff 3000 …")."""
    points: set[int] = set()
    for part in charset.split():
        first, _dash, last = part.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


@cache
def covered_code_points() -> frozenset[int]:
    """Every code point some font of FONT_STACK maps to a glyph (once per process).

    Read from fontconfig's charsets (its cache of each face's cmap, listed in a few
    milliseconds); a face listed without one is read with fontTools (hundreds of
    milliseconds for a CJK font). A file listed twice (a symlink such as Debian's
    fonts-japanese-mincho.ttf) is read once."""
    covered: set[int] = set()
    seen: set[tuple[str, int]] = set()
    for family in FONT_STACK:
        faces = _font_listing(family)
        if not faces:
            logger.warning("font %s is not installed: its characters count as missing", family)
        for path, index, charset in faces:
            face = (os.path.realpath(path), index)
            if face in seen:
                continue
            seen.add(face)
            if charset.strip():
                covered.update(_charset_code_points(charset))
            else:
                covered.update(_cmap_code_points(path, index))
    return frozenset(covered)


def _cmap_code_points(path: str, index: int) -> set[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return set(font.getBestCmap() or {})


def _drawn(character: str) -> bool:
    """Whether the character needs a glyph: spaces, controls, format characters and
    variation selectors are not drawn (or are dropped by the shaper when unknown)."""
    if character.isspace():
        return False
    if unicodedata.category(character) in ("Cc", "Cf"):
        return False
    code = ord(character)
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def missing_glyphs(text: str) -> str:
    """The characters of `text` (each once, in order) no font of FONT_STACK covers."""
    covered = covered_code_points()
    missing = dict.fromkeys(c for c in text if _drawn(c) and ord(c) not in covered)
    return "".join(missing)


class _TextOf(HTMLParser):
    """The text a document draws: its body's character data, without style and
    script (entities decoded by the parser)."""

    SKIPPED = {"style", "script", "title", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def render_pdf(
    html: str,
    stylesheets: tuple[Path | str, ...] = (),
    *,
    refuse_missing_glyphs: bool = False,
) -> bytes:
    """The PDF of `html`. A character no font of FONT_STACK draws raises
    MissingGlyphs when `refuse_missing_glyphs` (nothing is rendered), and is only
    logged otherwise (reports and plans: one odd name must not stop a report)."""
    missing = missing_glyphs(html_text(html))
    if missing:
        if refuse_missing_glyphs:
            raise MissingGlyphs(missing)
        logger.warning("PDF drawn with empty boxes: %s", MissingGlyphs(missing))
    html_class, _css, font_config = _weasyprint()
    document = html_class(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(
        stylesheets=[_stylesheet(str(path)) for path in stylesheets], font_config=font_config
    )
