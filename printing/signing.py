"""Signing a result PDF as PAdES (baseline B-B, pyHanko) with an agency's key: an approval signature whose
visible box names the agency, the signer and the time, with a QR code to the document's verification page.

The box is rendered by the forms' engine (WeasyPrint, Liberation Serif: Vietnamese text, the QR code as SVG) into a
one-page PDF of the box's size, which becomes the signature field's appearance. It sits at the bottom right of
the last page; the decision the system renders (templates/printing/decision.html) keeps that corner free.
"""

import binascii
import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.stamp import StaticStampStyle

from printing.documents import font_context, html_to_pdf, qr_data_uri
from procedures import worktime

MM = 72 / 25.4
BOX_WIDTH_MM, BOX_HEIGHT_MM = 92, 30  # the visible signature
BOX_RIGHT_MM, BOX_BOTTOM_MM = 15, 10  # its distance from the last page's right and bottom edges


@dataclass(frozen=True)
class Appearance:
    """What the visible signature says."""

    agency_name: str
    signer_name: str
    when: datetime
    url: str  # the verification page of this document (the QR code)


def box_time(when: datetime) -> str:
    local = worktime.to_local(when)
    return f"{local:%H:%M:%S} ngày {local:%d/%m/%Y}"


def render_box(appearance: Appearance) -> bytes:
    html = render_to_string("printing/signature_box.html", {
        **font_context(), "width_mm": BOX_WIDTH_MM, "height_mm": BOX_HEIGHT_MM,
        "agency_name": appearance.agency_name, "signer_name": appearance.signer_name,
        "time": box_time(appearance.when), "qr": qr_data_uri(appearance.url), "url": appearance.url,
    })
    return html_to_pdf(html)


class _PageOf(content.PdfContent):
    """The first page of a PDF held in memory, drawn as a form XObject (pyHanko's ImportedPdfPage reads a file)."""

    def __init__(self, pdf: bytes):
        super().__init__()
        self.pdf = pdf

    def render(self) -> bytes:
        xobject = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.pdf)), page_ix=0)
        name = "/Box" + binascii.hexlify(uuid.uuid4().bytes[:6]).decode("ascii")
        self.resources.xobject[name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return name.encode("ascii") + b" Do"


class _SignerAt(PdfSigner):
    """pyHanko's signer with the signing time given (the box prints it; the signature must say the same)."""

    def __init__(self, *args, when: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._when = when

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._when
        return session


def _box_on(page) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in page.get("/CropBox", page["/MediaBox"]))
    right, bottom = max(x1, x2) - BOX_RIGHT_MM * MM, min(y1, y2) + BOX_BOTTOM_MM * MM
    left = max(min(x1, x2), right - BOX_WIDTH_MM * MM)
    return round(left, 2), round(bottom, 2), round(right, 2), round(bottom + BOX_HEIGHT_MM * MM, 2)


def _link(writer, page_ref, box, url: str) -> None:
    """A click on the box opens the verification page (as the QR code does)."""
    annotation = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Link"),
        pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in box]),
        pdf_name("/Border"): generic.ArrayObject([generic.NumberObject(0)] * 3),
        pdf_name("/A"): generic.DictionaryObject({pdf_name("/S"): pdf_name("/URI"),
                                                  pdf_name("/URI"): pdf_string(url)}),
    })
    writer.register_annotation(page_ref, writer.add_object(annotation))


# The room a signature by each certificate took (hex digits, by the certificate's SHA-256): pyHanko otherwise makes
# a dry-run signature each time to size it. A signature that no longer fits is made again with a fresh estimate.
_RESERVED: dict[bytes, int] = {}


def sign_pdf(pdf: bytes, *, signer, appearance: Appearance, reason: str, location: str) -> bytes:
    """`pdf` signed by `signer` (printing.keys.signer_for) at `appearance.when`, with the visible box."""
    box_pdf = render_box(appearance)
    fingerprint = signer.signing_cert.sha256
    reserved = _RESERVED.get(fingerprint)
    try:
        signed = _sign(pdf, signer=signer, appearance=appearance, box_pdf=box_pdf, reason=reason, location=location,
                       reserved=reserved)
    except SigningError:
        if reserved is None:
            raise
        reserved = None
        signed = _sign(pdf, signer=signer, appearance=appearance, box_pdf=box_pdf, reason=reason, location=location,
                       reserved=None)
    if reserved is None:
        contents = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[-1].sig_object["/Contents"]
        _RESERVED[fingerprint] = 2 * len(contents)
    return signed


def _sign(pdf: bytes, *, signer, appearance: Appearance, box_pdf: bytes, reason: str, location: str,
          reserved: int | None) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref, _resources = writer.find_page_for_modification(-1)
    box = _box_on(page_ref.get_object())
    field_name = f"KySoKetQua{uuid.uuid4().hex[:8]}"
    metadata = PdfSignatureMetadata(
        field_name=field_name, name=appearance.signer_name, reason=reason, location=location,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    style = StaticStampStyle(background=_PageOf(box_pdf), border_width=0, background_opacity=1.0)
    pdf_signer = _SignerAt(metadata, signer, stamp_style=style, when=appearance.when,
                           new_field_spec=fields.SigFieldSpec(field_name, on_page=-1, box=box))
    _link(writer, page_ref, box, appearance.url)
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()
