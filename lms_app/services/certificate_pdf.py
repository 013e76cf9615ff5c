"""Drawing a certificate: landscape A4, framed, the organization and its logo on top, the
template's text in the middle, date, signature line and the QR code to the verification page
at the bottom. Pure drawing: everything it prints arrives in a CertificateContent.

Text is set in the PDF core fonts (Times for the certificate, Helvetica for the small print),
which need no font file to embed: a certificate takes a few tens of milliseconds, most of it
choosing the QR code's most readable mask. A name or title outside their character set
(Łukasz, Ξένια, ...) is set in the product's Noto fonts instead (services/pdf_fonts), the
whole certificate in them so the faces match: several times slower (the font is parsed and
subset) but rare.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from fpdf import FPDF

from lms_app.services import pdf_fonts

PAGE_W, PAGE_H = 297.0, 210.0
NAVY = (31, 58, 95)
GOLD = (176, 141, 62)
INK = (45, 45, 45)
MUTED = (110, 110, 110)
PAPER = (252, 250, 245)
SUBJECT_LINES = {"{learner}": 30, "{course}": 21}  # a line holding only one: printed large


@dataclass
class CertificateContent:
    organization: str
    heading: str
    # (the template's line, the same line filled in)
    body_lines: list[tuple[str, str]]
    issued: str
    expiry: str  # '' when the certificate does not expire
    signature_name: str
    signature_title: str
    footer: str
    code: str
    url: str
    logo: str | None = None  # a PNG or JPEG file

    def texts(self) -> list[str]:
        return [self.organization, self.heading, *(filled for _, filled in self.body_lines), self.issued, self.expiry,
                self.signature_name, self.signature_title, self.footer]


@dataclass(frozen=True)
class _Faces:
    serif: str
    sans: str
    italic: str  # style letters for the italic face ('' where there is none)
    bold: str


_CORE = _Faces("Times", "Helvetica", "I", "B")


def _faces(pdf: FPDF, content: CertificateContent) -> _Faces:
    if pdf_fonts.fits_core_fonts(content.texts()):
        return _CORE
    pdf_fonts.add_fonts(pdf)
    return _Faces(pdf_fonts.SERIF, pdf_fonts.SANS, "", "")


def render(content: CertificateContent) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(f"{content.heading} - {content.code}")
    pdf.set_creator(content.organization or "LMS")
    pdf.add_page()
    faces = _faces(pdf, content)

    def put(text: str, y: float, family: str, style: str, size: float, color, *, x: float = 0, w: float = PAGE_W, align: str = "C",
            spacing: float = 0, height: float | None = None) -> float:
        """Print centered (or aligned) text at y; gives the y below it."""
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_char_spacing(spacing)
        pdf.set_xy(x, y)
        line = height or size * 0.45
        if pdf.get_string_width(text) * 1.1 < w:
            # One line: a plain cell costs a fraction of multi_cell's line breaking.
            pdf.cell(w, line, text, align=align)
            y_below = y + line
        else:
            pdf.multi_cell(w, line, text, align=align, new_x="LEFT", new_y="NEXT")
            y_below = pdf.get_y()
        pdf.set_char_spacing(0)
        return y_below

    _frame(pdf)
    y = 24.0
    if content.logo:
        try:
            pdf.image(content.logo, x=PAGE_W / 2 - 25, y=y, w=50, h=16, keep_aspect_ratio=True)
            y += 19
        except (OSError, ValueError, RuntimeError):
            pass  # an unreadable logo leaves its space empty; the certificate still prints
    if content.organization:
        y = put(content.organization.upper(), y, faces.sans, faces.bold, 11, NAVY, spacing=1.5) + 4
    y = put(content.heading, y, faces.serif, faces.bold, 34, NAVY, x=20, w=PAGE_W - 40) + 3
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 30, y, PAGE_W / 2 + 30, y)
    y += 8
    for template_line, filled in content.body_lines:
        size = SUBJECT_LINES.get(template_line.strip())
        if size:
            style = faces.bold + faces.italic if template_line.strip() == "{learner}" else faces.bold
            y = put(filled, y + 1.5, faces.serif, style, size, NAVY, x=30, w=PAGE_W - 60) + 2.5
        else:
            y = put(filled, y, faces.serif, faces.italic, 15, INK, x=40, w=PAGE_W - 80) + 1
    if content.expiry:
        put(f"Valid until {content.expiry}", y + 3, faces.sans, "", 11, MUTED)

    # Bottom row: date of issue, signature line, QR code.
    line_y = 171.0
    for center, above, label, sub in ((72.0, content.issued, "Date of issue", ""),
                                      (155.0, "", content.signature_name or "Authorized signature", content.signature_title)):
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.line(center - 36, line_y, center + 36, line_y)
        if above:
            put(above, line_y - 8, faces.serif, "", 14, INK, x=center - 40, w=80)
        below = put(label, line_y + 2, faces.sans, faces.bold if sub or content.signature_name else "", 10, INK, x=center - 40, w=80)
        if sub:
            put(sub, below + 0.5, faces.sans, "", 9, MUTED, x=center - 40, w=80)
    _qr(pdf, content.url, x=229.0, y=134.0, size=32.0)
    put(f"Certificate {content.code}", 168.5, faces.sans, faces.bold, 8, INK, x=205, w=80)
    put(f"Verify at {content.url}", 172.5, faces.sans, "", 6.5, MUTED, x=205, w=80)
    if content.footer:
        put(content.footer, 187, faces.sans, "", 8, MUTED, x=30, w=PAGE_W - 60)
    return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, PAGE_W, PAGE_H, style="F")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(13, 13, PAGE_W - 26, PAGE_H - 26)
    # Small diamonds in the inner frame's corners.
    pdf.set_fill_color(*GOLD)
    for cx, cy in ((13, 13), (PAGE_W - 13, 13), (13, PAGE_H - 13), (PAGE_W - 13, PAGE_H - 13)):
        pdf.polygon([(cx - 2.2, cy), (cx, cy - 2.2), (cx + 2.2, cy), (cx, cy + 2.2)], style="F")


def _qr(pdf: FPDF, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom and in print) on a white quiet zone."""
    matrix = segno.make(url, error="m", micro=False).matrix
    modules = len(matrix)
    cell = size / (modules + 8)  # four modules of quiet zone on each side
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    origin_x, origin_y = x + 4 * cell, y + 4 * cell
    for row, bits in enumerate(matrix):
        col = 0
        while col < modules:
            if bits[col]:
                start = col
                while col < modules and bits[col]:
                    col += 1
                # A hair wider than the run: no seams between neighbouring squares when rendered.
                pdf.rect(origin_x + start * cell, origin_y + row * cell, (col - start) * cell + 0.01, cell + 0.01, style="F")
            else:
                col += 1
