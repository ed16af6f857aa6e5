"""A ticket image in Star's raster commands (Star Line mode, StarPRNT and Star Graphic mode).

    ESC * r R            initialise raster mode
    ESC * r A            enter raster mode
    ESC * r P 0 NUL      page length 0: continuous paper
    ESC * r E 9 NUL      end of document: cut feed, then a full cut
    b n1 n2 d1..dk       one dot row, k = n1 + 256 n2 bytes (trailing white left off)
    ESC * r Y n NUL      n white rows
    ESC FF EOT           end of document (the EOT mode above)
    ESC * r B            quit raster mode

From Star's "STAR Graphic Mode Command Specifications" and "STAR Line Mode Command
Specifications" (raster graphics). The confirmation (ETB) is added by the printer's worker.
"""

from __future__ import annotations

from PIL import Image

BEGIN = b"\x1b*rR" + b"\x1b*rA" + b"\x1b*rP0\x00" + b"\x1b*rE9\x00"
END = b"\x1b\x0c\x04" + b"\x1b*rB"


def star_raster_job(image: Image.Image) -> bytes:
    width_bytes = image.width // 8
    packed = image.convert("1").tobytes("raw", "1;I")
    parts = [BEGIN]
    blank = 0
    for top in range(0, len(packed), width_bytes):
        line = packed[top : top + width_bytes].rstrip(b"\0")
        if not line:
            blank += 1
            continue
        if blank:
            parts.append(b"\x1b*rY%d\x00" % blank)
            blank = 0
        parts.append(b"b" + bytes((len(line) & 0xFF, len(line) >> 8)) + line)
    if blank:
        parts.append(b"\x1b*rY%d\x00" % blank)
    parts.append(END)
    return b"".join(parts)
