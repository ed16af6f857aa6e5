"""Star raster commands decoded back into an image, from Star Micronics' published
specifications ("STAR Graphic Mode Command Specifications", "STAR Line Mode Command
Specifications"), for the printer tests.

Written apart from the encoder (printers/star_raster.py) and from the fake printer's reader
(tests/fakes/star_stream.py): it walks the bytes command by command as the specification
defines them and fails on anything it does not define, so a stray byte cannot pass unseen.
"""

from __future__ import annotations

from PIL import Image

ESC = 0x1B


class StarDecodeError(ValueError):
    pass


def star_decode(job: bytes, width: int) -> tuple[Image.Image, list[str]]:
    """The image the printer draws (black where a dot is printed), and the commands in order."""
    rows: list[bytearray] = []
    commands: list[str] = []
    raster = False
    at = 0
    while at < len(job):
        byte = job[at]
        if byte == ESC:
            at = _escape(job, at, rows, commands)
            raster = commands[-1] not in ("ESC * r B", "ESC @") and (
                raster or commands[-1] == "ESC * r A"
            )
        elif raster and byte in (ord("b"), ord("k")):
            count = job[at + 1] + job[at + 2] * 256
            data = job[at + 3 : at + 3 + count]
            if len(data) != count:
                raise StarDecodeError(f"raster line cut short at {at}")
            if byte == ord("b") or not rows:
                rows.append(bytearray(data))
            else:  # k: drawn over the current row, without moving on
                rows[-1] = bytearray(
                    a | b for a, b in zip(rows[-1].ljust(count, b"\0"), data, strict=False)
                )
            commands.append("b" if byte == ord("b") else "k")
            at += 3 + count
        elif byte == 0x17:
            commands.append("ETB")
            at += 1
        elif byte == 0x00:
            at += 1
        else:
            raise StarDecodeError(f"byte {byte:#04x} at {at} is not a command")
    return _image(rows, width), _squeeze(commands)


def _escape(job: bytes, at: int, rows: list[bytearray], commands: list[str]) -> int:
    code = job[at + 1]
    if code == ord("@"):
        commands.append("ESC @")
        return at + 2
    if code == 0x0C:  # ESC FF NUL / ESC FF EOT
        commands.append("ESC FF EOT" if job[at + 2] == 0x04 else "ESC FF NUL")
        return at + 3
    if code == 0x1E and job[at + 2] in (ord("E"), ord("a")):  # ESC RS E n, ESC RS a n
        commands.append(f"ESC RS {chr(job[at + 2])}")
        return at + 4
    if code == 0x06 and job[at + 2] == 0x01:
        commands.append("ESC ACK SOH")
        return at + 3
    if code == ord("*") and job[at + 2] == ord("r"):
        letter = chr(job[at + 3])
        if letter in "RABC":
            commands.append(f"ESC * r {letter}")
            return at + 4
        end = job.index(0, at + 4)
        parameter = job[at + 4 : end].decode("ascii")
        commands.append(f"ESC * r {letter} {parameter}")
        if letter == "Y":
            rows.extend(bytearray() for _ in range(int(parameter)))
        return end + 1
    raise StarDecodeError(f"ESC {code:#04x} at {at} is not a command these specifications define")


def _image(rows: list[bytearray], width: int) -> Image.Image:
    width_bytes = width // 8
    packed = b"".join(bytes(row[:width_bytes]).ljust(width_bytes, b"\0") for row in rows)
    # Pillow's "1;I" raw mode: one bit a dot, 1 for black (a printed dot).
    return Image.frombytes("1", (width, len(rows)), packed, "raw", "1;I")


def _squeeze(commands: list[str]) -> list[str]:
    """Runs of raster lines as one entry: "b×N"."""
    out: list[str] = []
    for command in commands:
        if out and command == "b" and out[-1].startswith("b"):
            count = int(out[-1][2:] or 1) + 1
            out[-1] = f"b×{count}"
        elif command == "b":
            out.append("b×1")
        else:
            out.append(command)
    return out
