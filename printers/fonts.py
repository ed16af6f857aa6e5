"""Find the fonts the ticket needs: a Japanese gothic, and a face for the visitor's language."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
# Debian fonts-noto-cjk; in the .ttc files face 0 is JP, 1 KR, 2 SC, 3 TC, 4 HK.
CJK_FACE = {"ja": 0, "ko": 1, "zh": 2, "zh-hans": 2, "zh-cn": 2, "zh-hant": 3, "zh-tw": 3}
IPAEX_GOTHIC = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


class FontNotFoundError(RuntimeError):
    """No Japanese font: the setup step installs Debian's fonts-noto-cjk."""


@dataclass(frozen=True)
class FontFace:
    """A font file and the face inside it (.ttc files hold several).

    shaped: lay text out with libraqm (HarfBuzz), which scripts such as Devanagari need.
    Japanese, Chinese, Korean and Latin (Vietnamese precomposed) do not, and Pillow's basic
    layout measures and draws them four to five times faster.
    """

    path: Path
    index: int = 0
    shaped: bool = False

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(str(self.path), self.index, size, self.shaped)


@dataclass(frozen=True)
class TicketFonts:
    regular: FontFace
    bold: FontFace


# A ticket uses a few sizes of a few faces; loading one takes ~1 ms, and a CJK face holds
# about 2 MB: keep the ones in use, not every size ever tried.
@lru_cache(maxsize=24)
def _load(path: str, index: int, size: int, shaped: bool) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if shaped else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, index=index, layout_engine=engine)


def find_fonts(regular: str | Path | None = None, bold: str | Path | None = None) -> TicketFonts:
    """Configured paths first, then Noto Sans CJK JP, then IPAex Gothic, then fontconfig."""
    if regular is not None or bold is not None:
        chosen = [Path(p) for p in (regular, bold) if p is not None]
        for path in chosen:
            if not path.is_file():
                raise FontNotFoundError(f"configured ticket font {path} does not exist")
        first = FontFace(chosen[0])
        return TicketFonts(regular=first, bold=FontFace(chosen[-1]))
    noto_regular = NOTO_CJK / "NotoSansCJK-Regular.ttc"
    noto_bold = NOTO_CJK / "NotoSansCJK-Bold.ttc"
    if noto_regular.is_file() and noto_bold.is_file():
        return TicketFonts(regular=FontFace(noto_regular), bold=FontFace(noto_bold))
    if IPAEX_GOTHIC.is_file():
        return TicketFonts(regular=FontFace(IPAEX_GOTHIC), bold=FontFace(IPAEX_GOTHIC))
    found = _fontconfig_faces("ja")
    if found:
        return TicketFonts(regular=found[0], bold=found[0])
    raise FontNotFoundError(
        "no Japanese font found for the tickets: install Debian's fonts-noto-cjk "
        "(or set the ticket font paths in the configuration)"
    )


def font_for_language(language: str, fonts: TicketFonts) -> FontFace | None:
    """A regular face that covers the language, or None when this machine has none."""
    code = language.lower()
    if code in CJK_FACE or code.split("-")[0] in ("ja", "ko", "zh"):
        if fonts.regular.path.suffix.lower() == ".ttc":
            face = CJK_FACE.get(code, CJK_FACE.get(code.split("-")[0], 0))
            return FontFace(fonts.regular.path, face)
        return fonts.regular if code.startswith("ja") else _first(_fontconfig_faces(code))
    if code.split("-")[0] in LATIN_LANGUAGES:
        return fonts.regular  # Noto Sans CJK carries Latin, Vietnamese included
    found = _first(_fontconfig_faces(code.split("-")[0]))
    return None if found is None else FontFace(found.path, found.index, shaped=True)


def bold_for_language(language: str, fonts: TicketFonts) -> FontFace | None:
    """A bold face that covers the language (the desk's name is set in bold), or None when
    this machine has none: Japanese, Latin and Vietnamese in the ticket's bold; Korean and
    Chinese in their own face of the bold collection, for their own forms of the glyphs."""
    code = language.lower()
    base = code.split("-")[0]
    if base == "ja":
        return fonts.bold
    if base in ("ko", "zh") and fonts.bold.path.suffix.lower() == ".ttc":
        return FontFace(fonts.bold.path, CJK_FACE.get(code, CJK_FACE[base]))
    regular = font_for_language(language, fonts)
    if regular is None:
        return None
    return fonts.bold if regular == fonts.regular else regular


LATIN_LANGUAGES = frozenset(
    {"en", "vi", "pt", "es", "fr", "de", "id", "tl", "fil", "ms", "it", "nl", "pl"}
)


def _first(faces: list[FontFace]) -> FontFace | None:
    return faces[0] if faces else None


@lru_cache(maxsize=32)
def _fontconfig_cached(language: str) -> tuple[FontFace, ...]:
    if shutil.which("fc-list") is None:
        return ()
    try:
        listing = subprocess.run(
            ["fc-list", f":lang={language}", "file", "index", "style"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    faces: list[tuple[int, FontFace]] = []
    for line in listing.splitlines():
        path, _, rest = line.partition(":")
        index = 0
        for item in rest.split(":"):
            if item.strip().startswith("index="):
                index = int(item.strip().removeprefix("index="))
        name = Path(path).name
        # prefer sans over serif, regular over bold, plain files over collections
        rank = ("Serif" in name) * 4 + ("Bold" in rest or "Bold" in name) * 2 + (index != 0)
        faces.append((rank, FontFace(Path(path), index)))
    return tuple(face for _, face in sorted(faces, key=lambda pair: (pair[0], str(pair[1].path))))


def _fontconfig_faces(language: str) -> list[FontFace]:
    return list(_fontconfig_cached(language))
