"""The fonts every PDF of the product is set in: Noto Sans and Noto Serif, shipped as Python
packages, so any name (accents, Cyrillic, Greek) prints and nothing is fetched at run time."""

from __future__ import annotations

from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_serif
from fpdf import FPDF

SANS = "NotoSans"
SERIF = "NotoSerif"
# The variable fonts' default instance (regular weight): instancing other weights costs
# seconds per document, so emphasis comes from size and colour instead of bold.
_FILES = {
    SANS: Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf",
    SERIF: Path(fontpkg_noto_serif.ROOT) / "files" / "NotoSerif[wdth,wght].ttf",
}


def add_fonts(pdf: FPDF) -> None:
    """Register the product's fonts on a document (set one with pdf.set_font(SANS, size=...))."""
    for family, path in _FILES.items():
        pdf.add_font(family, "", str(path))


def fits_core_fonts(texts) -> bool:
    """Whether the PDF core fonts (Helvetica, Times: no file to embed, fast) can print all of
    `texts`; otherwise the document is set in the Noto fonts."""
    try:
        for text in texts:
            text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
