"""The one answer of every view that hands out a stored PDF: an annual certificate,
an eligibility statement, a title-application document, a registration check, a
digital-engineer training certificate."""

from django.shortcuts import render

from certificates.services import document_stored
from portal.downloads import download_response


def stored_pdf_response(
    request, document, *, filename: str, when_missing=None, as_attachment: bool = False
):
    """`document`'s stored PDF (anything with `pdf` and `serial`), shown in the
    browser (`as_attachment`: saved) under `filename` (ASCII fallback:
    <serial>.pdf). Meanwhile a page of our own: 409 when no font draws part of it
    (`render_blocked`: provincial HR resolves it), 202 while it is not stored yet —
    then `when_missing(document)` is called first, if given (to queue the rendering
    again, say)."""
    blocked = getattr(document, "render_blocked", "")
    if blocked:
        context = {"serial": document.serial, "blocked": blocked}
        return render(request, "certificates/pdf_pending.html", context, status=409)
    if not document_stored(document):
        if when_missing is not None:
            when_missing(document)
        context = {"serial": document.serial}
        return render(request, "certificates/pdf_pending.html", context, status=202)
    return download_response(
        document.pdf.open("rb"),
        content_type="application/pdf",
        filename=filename,
        fallback=f"{document.serial}.pdf",
        as_attachment=as_attachment,
    )
