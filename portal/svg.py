"""Small server-side SVG charts for PDFs (WeasyPrint draws SVG as vectors)."""

from html import escape


def bar_chart(rows: list[tuple[str, float]], *, maximum: float = 100, suffix: str = "%") -> str:
    """Horizontal bars, one per (label, value), scaled to `maximum`."""
    bar_height, gap, label_width, bar_width = 14, 6, 150, 360
    height = len(rows) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" '
        f'height="{height}" font-size="10">'
    ]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        width = 0 if not maximum else max(0.0, min(1.0, value / maximum)) * bar_width
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 11}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="{bar_height}" '
            f'fill="#198754"/>'
            f'<text x="{label_width + width + 4:.1f}" y="{y + 11}">{value:.1f}{suffix}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(rows: list[tuple[str, int]]) -> str:
    """Vertical columns of counts, e.g. a distribution."""
    column, gap, top, bottom, plot = 44, 12, 14, 22, 140
    peak = max((value for _label, value in rows), default=0) or 1
    width = len(rows) * (column + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + plot + bottom}" '
        f'font-size="10">'
    ]
    for index, (label, value) in enumerate(rows):
        x = gap + index * (column + gap)
        h = value / peak * plot
        y = top + plot - h
        parts.append(
            f'<rect x="{x}" y="{y:.1f}" width="{column}" height="{h:.1f}" fill="#0d6efd"/>'
            f'<text x="{x + column / 2}" y="{y - 3:.1f}" text-anchor="middle">{value}</text>'
            f'<text x="{x + column / 2}" y="{top + plot + 14}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
