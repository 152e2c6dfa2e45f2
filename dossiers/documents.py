"""The seven official forms (Circular 03/2025, annex I) rendered to PDF with WeasyPrint.

Fonts: Liberation Serif 2 (full Vietnamese coverage, SIL OFL) is vendored in static/fonts and loaded with
@font-face, so WeasyPrint never falls back to another family in mid-word.
"""

import functools
from dataclasses import dataclass
from datetime import date

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

FONTS_DIR = settings.BASE_DIR / "static" / "fonts"
FONT_FAMILY = "Liberation Serif"

FORM_TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}


@dataclass(frozen=True)
class RenderedForm:
    number: str
    filename: str
    pdf: bytes


@functools.lru_cache(maxsize=1)
def _tracking_path() -> str:
    try:
        return reverse("portal:track")
    except Exception:  # noqa: BLE001 - the portal may not be installed; the home page still helps
        return "/"


def absolute_url(path: str) -> str:
    """A link for a message that leaves the site (e-mail, SMS, QR code): PUBLIC_BASE_URL + path."""
    return settings.ONECUA.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def tracking_url(dossier) -> str:
    return absolute_url(f"{_tracking_path()}?ma={dossier.code}")


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=3, border=1)


def _font_css() -> str:
    faces = [("Regular", "normal", "normal"), ("Bold", "bold", "normal"), ("Italic", "normal", "italic"),
             ("BoldItalic", "bold", "italic")]
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{(FONTS_DIR / f"LiberationSerif-{name}.ttf").as_uri()}");'
        f" font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in faces
    )


def font_context() -> dict:
    """What a printable template needs for the embedded fonts (reports reuse it for their PDFs)."""
    return {"font_css": _font_css(), "font_family": FONT_FAMILY}


_FONT_CACHE: dict = {}


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    # Whole fonts (no subsetting: subsetting costs most of the rendering time) and a shared cache of parsed
    # resources keep a form well under a second.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(full_fonts=True, cache=_FONT_CACHE)


def render_form_html(number: str, context: dict) -> str:
    ctx = {"font_css": _font_css(), "font_family": FONT_FAMILY, "title": FORM_TITLES[number], "number": number,
           "printed_at": timezone.now(), **context}
    return render_to_string(f"forms/form{number}.html", ctx)


def dossier_form_context(dossier) -> dict:
    return {
        "dossier": dossier,
        "agency": dossier.receiving_agency,
        "procedure": dossier.procedure,
        "documents": list(dossier.documents.all()),
    }


def render_dossier_form(number: str, dossier, **extra) -> RenderedForm:
    context = dossier_form_context(dossier)
    if number == "01":
        context["qr"] = qr_data_uri(tracking_url(dossier))
        context["tracking_url"] = tracking_url(dossier)
    if number == "02":
        context["request"] = extra.get("request") or dossier.supplement_requests.order_by("-requested_at").first()
    if number == "04":
        context["apology"] = dossier.apology
    if number == "06":
        context["events"] = list(
            dossier.events.filter(action__in=["receive", "forward", "approve", "decline", "return_result"])
            .select_related("from_agency", "to_agency", "actor").order_by("at", "id"))
    pdf = html_to_pdf(render_form_html(number, context))
    return RenderedForm(number, f"mau-{number}-{dossier.code}.pdf", pdf)


def render_tracking_book(*, agency, start: date, end: date, dossiers) -> RenderedForm:
    html = render_form_html("07", {"agency": agency, "start": start, "end": end, "dossiers": list(dossiers)})
    return RenderedForm("07", f"so-theo-doi-{agency.identifier}-{start:%Y%m%d}-{end:%Y%m%d}.pdf", html_to_pdf(html))
