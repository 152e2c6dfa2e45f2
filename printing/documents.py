"""The seven official forms (Circular 03/2025, annex I) rendered to PDF with WeasyPrint.

Fonts: Liberation Serif 2 (full Vietnamese coverage, SIL OFL) is vendored in static/fonts and loaded with
@font-face, so WeasyPrint never falls back to another family in mid-word; the PDF embeds only the glyphs used.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.links import tracking_url
from dossiers.form_numbers import FORM_TITLES, form_number_of
from dossiers.models import FormNumberKind
from procedures import worktime
from procedures.models import Procedure

FONTS_DIR = settings.BASE_DIR / "static" / "fonts"
FONT_FAMILY = "Liberation Serif"



@dataclass(frozen=True)
class RenderedForm:
    number: str
    filename: str
    pdf: bytes








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

    # Fonts are embedded as subsets of the glyphs used (HarfBuzz's subsetter): a one-page form is a few tens of
    # KB instead of ~650 KB with the four whole TTFs (`full_fonts=True`), and it renders faster too. The shared
    # cache keeps parsed images (the QR code) between renderings.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(cache=_FONT_CACHE)


# ---------------------------------------------------------------- the place, the date line, the header
_COUNCIL = re.compile(r"^(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+", re.IGNORECASE)
_PROVINCE_UNIT = re.compile(r"^(?:(?:tỉnh|thành phố)\s+|tp\.\s*)", re.IGNORECASE)


def agency_place(agency) -> str:
    """The place named in the forms' date line: the province of the agency's tree, from its root's name
    ("Ủy ban nhân dân tỉnh Tây Ninh" → "Tây Ninh"; Decree 30/2020 writes "Thành phố Hồ Chí Minh" in full)."""
    name = " ".join(agency.province().name.split())
    place = _PROVINCE_UNIT.sub("", _COUNCIL.sub("", name)) or name
    return "Thành phố Hồ Chí Minh" if place == "Hồ Chí Minh" else place


def date_line(agency, when: date | datetime | None) -> str:
    """'Tây Ninh, ngày 05 tháng 03 năm 2026' (local date); dotted blanks to fill in by hand without a date."""
    place = agency_place(agency)
    if when is None:
        return f"{place}, ngày ..... tháng ..... năm ........"
    if isinstance(when, datetime):
        when = worktime.to_local(when)
    return f"{place}, ngày {when:%d} tháng {when:%m} năm {when:%Y}"


# Administrative units whose name follows them in an agency's name ("… tỉnh Tây Ninh", "… phường Long An").
_UNITS = (("thành", "phố"), ("thị", "xã"), ("thị", "trấn"), ("đặc", "khu"), ("tỉnh",), ("xã",), ("phường",),
          ("huyện",), ("quận",))


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def keep_places_together(name: str) -> SafeString:
    """The agency name as HTML with each unit and its place name ("tỉnh Tây Ninh") in one unbreakable span, so a
    header line never ends inside a place name ("TỈNH TÂY / NINH")."""
    words, out, i = name.split(), [], 0
    while i < len(words):
        unit = next((u for u in _UNITS if tuple(w.lower() for w in words[i:i + len(u)]) == u), None)
        end = i + len(unit) if unit else i
        while unit and end < len(words) and _is_name_word(words[end]):
            end += 1
            if words[end - 1][-1:] in ",;:)":  # "xã Kim Liên, huyện Nam Đàn": the place ends at the comma
                break
        if unit and end > i + len(unit):
            out.append(f'<span class="place">{escape(" ".join(words[i:end]))}</span>')
            i = end
        else:
            out.append(escape(words[i]))
            i += 1
    return mark_safe(" ".join(out))


def render_form_html(number: str, context: dict) -> str:
    ctx = {"font_css": _font_css(), "font_family": FONT_FAMILY, "title": FORM_TITLES[number], "number": number,
           "printed_at": timezone.now(), **context}
    agency = ctx.get("agency")
    if agency is not None:
        ctx["header_parent"] = keep_places_together(agency.parent.name) if agency.parent_id else ""
        ctx["header_agency"] = keep_places_together(agency.name)
    return render_to_string(f"printing/form{number}.html", ctx)


# ---------------------------------------------------------------- what the dossier's forms print
def dossier_form_context(dossier) -> dict:
    return {
        "dossier": dossier,
        "agency": dossier.receiving_agency,
        "procedure": dossier.procedure,
        "documents": list(dossier.documents.all()),
    }


def kept_deadline_display(dossier) -> str:
    """The deadline rule the dossier kept at reception, worded as the catalogue words a procedure's rule."""
    return Procedure(deadline_amount=dossier.deadline_amount, deadline_unit=dossier.deadline_unit,
                     cutoff_time=dossier.deadline_cutoff).deadline_display


def receiving_clerk(dossier) -> str:
    """Who received the dossier: the actor of its "receive" event."""
    event = dossier.events.filter(action="receive").select_related("actor").order_by("-at", "-id").first()
    if event is None:
        return ""
    return str(event.actor) if event.actor is not None else event.actor_label


def document_number(kind: str, record) -> str:
    """'12/PBS': the number the document was given when issued; dotted, to fill in, if it has none."""
    issued = form_number_of(record) if record is not None else None
    return str(issued) if issued is not None else f"......./{kind}"


# Apps above printing add rows to form 06 (consultations: each opinion asked and answered): a function of the
# dossier returning rows {"at": …, "<kind>": …} that form06.html knows.
CONTROL_SHEET_PROVIDERS: list = []


def register_control_sheet_rows(provider) -> None:
    if provider not in CONTROL_SHEET_PROVIDERS:
        CONTROL_SHEET_PROVIDERS.append(provider)


def control_sheet_rows(dossier, events: list) -> list[dict]:
    """Form 06's rows: the hand-overs, the clock's pauses (waiting for a supplement or a payment) and the rows of the
    registered providers, by time."""
    requests = {r.requested_at: r for r in dossier.supplement_requests.filter(before_reception=False)}
    payments = {e.at: e.note for e in dossier.events.filter(action="await_payment")}
    rows = [{"at": e.at, "event": e} for e in events]
    for pause in dossier.pauses.order_by("started_at", "id"):
        request = requests.get(pause.started_at)
        if request is not None:
            note = "; ".join([*request.items, *([request.reason] if request.reason else [])])
        else:
            note = payments.get(pause.started_at, "")
        rows.append({"at": pause.started_at, "pause": pause, "note": note})
    for provider in CONTROL_SHEET_PROVIDERS:
        rows.extend(provider(dossier))
    return sorted(rows, key=lambda row: row["at"])


def render_dossier_form(number: str, dossier, **extra) -> RenderedForm:
    context = dossier_form_context(dossier)
    agency = context["agency"]
    if number == "01":
        context["qr"] = qr_data_uri(tracking_url(dossier))
        context["tracking_url"] = tracking_url(dossier)
        context["deadline_rule"] = kept_deadline_display(dossier)
        context["received_by"] = receiving_clerk(dossier)
        context["date_line"] = date_line(agency, dossier.received_at)
    if number == "02":
        request = extra.get("request") or dossier.supplement_requests.order_by("-requested_at", "-id").first()
        context["request"] = request
        context["doc_number"] = document_number(FormNumberKind.SUPPLEMENT, request)
        context["date_line"] = date_line(agency, request.requested_at if request else None)
    if number == "03":
        context["doc_number"] = document_number(FormNumberKind.REFUSAL, dossier)
        context["date_line"] = date_line(agency, dossier.finished_at)
    if number == "04":
        context["apology"] = dossier.apology
        context["doc_number"] = document_number(FormNumberKind.APOLOGY, dossier.apology)
        context["date_line"] = date_line(agency, dossier.apology.issued_at)
    if number == "05":
        context["date_line"] = date_line(agency, dossier.finished_at)
    if number == "06":
        context["events"] = list(
            dossier.events.filter(action__in=["receive", "forward", "approve", "decline", "return_result"])
            .select_related("from_agency", "to_agency", "actor").order_by("at", "id"))
        context["rows"] = control_sheet_rows(dossier, context["events"])
        context["coordinating"] = coordinating_agencies(dossier, context["events"])
        # The internal process copied at reception: each step with its own due time and result (issue 23).
        context["steps"] = list(dossier.steps.select_related("agency").order_by("order")) if dossier.has_steps else []
    pdf = html_to_pdf(render_form_html(number, context))
    return RenderedForm(number, f"mau-{number}-{dossier.code}.pdf", pdf)


def coordinating_agencies(dossier, events) -> list[str]:
    """Agencies the dossier went through other than the receiving desk and the competent agency (form 06's
    "cơ quan phối hợp"), in the order they were consulted, each once."""
    own = {dossier.receiving_agency_id, dossier.competent_agency_id}
    names = []
    for event in events:
        agency = event.to_agency
        if agency is not None and agency.pk not in own and agency.name not in names:
            names.append(agency.name)
    return names


def render_tracking_book(*, agency, start: date, end: date, dossiers) -> RenderedForm:
    html = render_form_html("07", {"agency": agency, "start": start, "end": end, "dossiers": list(dossiers)})
    return RenderedForm("07", f"so-theo-doi-{agency.identifier}-{start:%Y%m%d}-{end:%Y%m%d}.pdf", html_to_pdf(html))
