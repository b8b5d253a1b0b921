"""The report's embedded font: DejaVu Sans, bundled under assets/fonts/.

DejaVu Sans covers the characters people type in English NHS settings (accents, en and em
dashes, >=, pound sign, curly quotes) and far more; its licence (assets/fonts/
DejaVu-LICENSE.txt) allows embedding and redistribution. The bundled copy is used first so
that the tablet build does not depend on the system; the system copy is a fallback.
Nothing typed disappears: a character DejaVu lacks is set in a fallback font that has it,
Symbola for emoji and symbols (a subset bundled in assets/fonts/ under its free licence,
Symbola-LICENSE.txt) and, where the system has it, Droid Sans Fallback for Chinese,
Japanese and Korean (Debian's fonts-droid-fallback). A character no font covers prints as
a visible white square. Right-to-left scripts print in typed order, unshaped (no bidi).
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
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
# (font name, file, folders): tried in order for a character DejaVu lacks.
FALLBACKS = (
    ("Symbola", "Symbola-emoji-subset.ttf", _SEARCH[:1]),
    ("DroidSansFallback", "DroidSansFallbackFull.ttf",
     (_SEARCH[0], Path("/usr/share/fonts/truetype/droid"))),
)
_lock = threading.Lock()
_covered: frozenset[int] | None = None
_fallback: dict[int, str] = {}  # character -> fallback font name


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map, with characters beyond U+FFFF written as UTF-16
    surrogate pairs (reportlab writes "<1F600>", an odd-length hex string that breaks
    copying and searching the text)."""
    text = _reportlab_cmap(fontname, [min(v, 0xFFFF) for v in subset])
    for i, v in enumerate(subset):
        if v > 0xFFFF:
            pair = chr(v).encode("utf-16-be").hex().upper()
            text = text.replace(f"<{i:02X}> <FFFF>", f"<{i:02X}> <{pair}>", 1)
    return text


_reportlab_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


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
        _covered = frozenset(common)


_fallbacks_loaded = False


def _load_fallbacks() -> None:
    """Register the fallback fonts: only when some text needs one (parsing them costs
    most of a second, which a report in plain English should not pay)."""
    global _fallbacks_loaded
    with _lock:
        if _fallbacks_loaded:
            return
        assert _covered is not None
        for name, filename, folders in FALLBACKS:
            path = next((f / filename for f in folders if (f / filename).is_file()), None)
            if path is None:
                continue  # not on this machine: those characters print as a box
            pdfmetrics.registerFont(TTFont(name, str(path)))
            face = pdfmetrics.getFont(name).face  # type: ignore[attr-defined]
            for c in face.charToGlyph:
                if c not in _covered and c > 0x20:
                    _fallback.setdefault(c, name)
        _fallbacks_loaded = True


def covered() -> frozenset[int]:
    register_fonts()
    assert _covered is not None
    return _covered


def fallback_font(char: str) -> str | None:
    """The fallback font that draws `char` (None: no font here has it)."""
    register_fonts()
    if not _fallbacks_loaded:
        _load_fallbacks()
    return _fallback.get(ord(char))
