"""Response helpers shared by the citizen and staff pages."""

from django.http import HttpResponse


def pdf_response(rendered, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{rendered.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
