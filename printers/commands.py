"""The command set a printer speaks, chosen by the site file's `commands`: ESC/POS or Star's."""

from __future__ import annotations

from .dialect import Dialect
from .escpos import Escpos
from .star import Star


def dialect_for(name: str) -> Dialect:
    return Star() if name == "star" else Escpos()
