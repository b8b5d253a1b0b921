"""The report's embedded font: DejaVu Sans, bundled under assets/fonts/.

DejaVu Sans covers the characters people type in English NHS settings (accents, en and em
dashes, >=, pound sign, curly quotes) and far more; its licence (assets/fonts/
DejaVu-LICENSE.txt) allows embedding and redistribution. The bundled copy is used first so
that the tablet build does not depend on the system; the system copy is a fallback.
Characters the font has no glyph for (and emoji outside the Basic Multilingual Plane) are
replaced by a white square before rendering: the PDF shows a box, and its text layer stays
valid. Right-to-left scripts print in typed order, unshaped (no bidi support here).
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from visitapp.errors import VisitAppError

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
FAMILY = "DejaVuSans"
MISSING_GLYPH = "\u25a1"  # white square

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
          ITALIC: "DejaVuSans-Oblique.ttf"}
_SEARCH = (
    Path(__file__).resolve().parents[2] / "assets" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
)
_lock = threading.Lock()
_covered: frozenset[int] | None = None


class FontMissing(VisitAppError):
    pass


def _find(name: str) -> Path:
    for folder in _SEARCH:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FontMissing(f"the report font {name} is missing (looked in assets/fonts/)")


def register_fonts() -> None:
    """Register the family once per process (parsing the TTFs takes ~60 ms)."""
    global _covered
    if _covered is not None:
        return
    with _lock:
        if _covered is not None:
            return
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(_find(filename))))
        addMapping(FAMILY, 0, 0, REGULAR)
        addMapping(FAMILY, 1, 0, BOLD)
        addMapping(FAMILY, 0, 1, ITALIC)
        addMapping(FAMILY, 1, 1, BOLD)
        # User text is set in regular or bold (italic, which lacks Arabic among others, is
        # kept for the report's own words), so a character prints when both faces have it.
        faces = [pdfmetrics.getFont(n).face for n in (REGULAR, BOLD)]  # type: ignore[attr-defined]
        common = set(faces[0].charToGlyph)
        for face in faces[1:]:
            common &= set(face.charToGlyph)
        # Outside the Basic Multilingual Plane (most emoji) reportlab writes an invalid
        # ToUnicode entry, which breaks copying and searching the text: draw a box instead.
        _covered = frozenset(c for c in common if c <= 0xFFFF)


def covered() -> frozenset[int]:
    register_fonts()
    assert _covered is not None
    return _covered
