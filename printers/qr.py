"""The ticket's QR code, made in about a millisecond rather than five.

qrcode (pure Python) builds the code whole eight times to choose its mask: four fifths of
the CPU a printed ticket cost. Here qrcode builds it once (mask 0); the other seven masks are
applied to its data modules with numpy, each with its own format bits, and scored by the
four penalty rules of ISO/IEC 18004 (8.8.2): runs of five or more, 2x2 blocks, finder-like
1:1:3:1:1 patterns, and the balance of dark and light. The lowest score wins, as the
standard asks; any mask is a valid code, which the tests check by reading each back (zbar).
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import qrcode  # type: ignore[import-untyped]
from numpy.typing import NDArray
from qrcode import util
from qrcode.main import QRCode  # type: ignore[import-untyped]

Matrix = NDArray[np.bool_]
FINDER_LIKE = (
    np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool),
    np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool),
)


def qr_matrix(data: str) -> Matrix:
    """The QR code of `data` at error correction M, without its quiet zone: True is dark."""
    code = QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    version = code.best_fit()
    size = version * 4 + 17
    codewords = util.create_data(version, code.error_correction, code.data_list)
    template, rows, cols = _placement(version, size)
    bits = np.unpackbits(np.frombuffer(bytes(codewords), dtype=np.uint8))
    unmasked = template.copy()
    unmasked[rows[: bits.size], cols[: bits.size]] = bits[: rows.size]  # remainder bits: light
    masks, format_rows, format_cols, format_bits = _layout(version, size)
    candidates = unmasked[None, :, :] ^ masks  # the data modules under each mask
    candidates[:, format_rows, format_cols] = format_bits  # with that mask's format bits
    best: Matrix = candidates[int(np.argmin(penalties(candidates)))]
    return best


@lru_cache(maxsize=8)
def _placement(version: int, size: int) -> tuple[Matrix, NDArray[np.intp], NDArray[np.intp]]:
    """The function patterns of a version (data modules light), and the data modules in the
    order the standard fills them: two columns at a time from the right, up then down."""
    template = np.array([[bool(cell) for cell in row] for row in _blank(version, size)],
                        dtype=bool)  # fmt: skip
    function = _function_modules(version, size)
    rows: list[int] = []
    cols: list[int] = []
    upward = True
    col = size - 1
    while col > 0:
        if col == 6:  # the vertical timing pattern is skipped
            col -= 1
        for row in range(size - 1, -1, -1) if upward else range(size):
            for c in (col, col - 1):
                if not function[row, c]:
                    rows.append(row)
                    cols.append(c)
        upward = not upward
        col -= 2
    return template, np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


def penalties(codes: NDArray[np.bool_]) -> NDArray[np.int64]:
    """ISO/IEC 18004's mask penalty of each code in a stack: N1 = 3, N2 = 3, N3 = 40, N4 = 10."""
    count, size, _ = codes.shape
    score = np.zeros(count, dtype=np.int64)
    for lines in (codes, codes.transpose(0, 2, 1)):
        score += _runs(lines)
        windows = np.lib.stride_tricks.sliding_window_view(lines, 11, axis=2)
        for pattern in FINDER_LIKE:
            score += 40 * np.all(windows == pattern, axis=3).sum(axis=(1, 2))
    corner = codes[:, :-1, :-1]
    blocks = (
        (corner == codes[:, 1:, :-1]) & (corner == codes[:, :-1, 1:]) & (corner == codes[:, 1:, 1:])
    )
    score += 3 * blocks.sum(axis=(1, 2))
    dark = codes.sum(axis=(1, 2)) * 100 / (size * size)
    score += 10 * (np.abs(dark - 50) // 5).astype(np.int64)
    return score


def penalty(matrix: Matrix) -> int:
    return int(penalties(matrix[None, :, :])[0])


def _runs(lines: NDArray[np.bool_]) -> NDArray[np.int64]:
    """3 + (length - 5) for each run of five or more modules of one colour in a line."""
    count, size, _ = lines.shape
    edge = np.full((count, size, 1), 2, np.int8)  # a line ends a run
    marked = np.concatenate([lines.astype(np.int8), edge], axis=2).ravel()
    starts = np.concatenate([[0], np.flatnonzero(np.diff(marked)) + 1])
    lengths = np.diff(np.concatenate([starts, [marked.size]]))
    long = (marked[starts] != 2) & (lengths >= 5)
    owner = starts[long] // (size * (size + 1))
    return np.bincount(owner, weights=lengths[long] - 2, minlength=count).astype(np.int64)


@lru_cache(maxsize=8)
def _layout(
    version: int, size: int
) -> tuple[NDArray[np.bool_], NDArray[np.intp], NDArray[np.intp], NDArray[np.bool_]]:
    """For a version: the eight masks limited to the data modules (a stack), and where the
    format bits go with each mask's values (rows, columns, a stack of values)."""
    data_modules = ~_function_modules(version, size)
    masks = np.stack(_masks(size)) & data_modules
    placed = [_format_modules(version, size, pattern) for pattern in range(8)]
    rows = np.array([row for (row, _), _ in placed[0]], dtype=np.intp)
    cols = np.array([col for (_, col), _ in placed[0]], dtype=np.intp)
    bits = np.array([[dark for _, dark in modules] for modules in placed], dtype=bool)
    return masks, rows, cols, bits


@lru_cache(maxsize=8)
def _masks(size: int) -> tuple[Matrix, ...]:
    i, j = np.indices((size, size))
    return (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i * j) % 3 + (i + j) % 2) % 2 == 0,
    )


@lru_cache(maxsize=8)
def _function_modules(version: int, size: int) -> Matrix:
    """Finder, separator, timing and alignment patterns, format and version information:
    everything but the data modules the mask applies to."""
    blank = _blank(version, size)
    function = np.array([[cell is not None for cell in row] for row in blank], dtype=bool)
    grid = _placed(version, size, 0)
    function |= np.array([[cell is not None for cell in row] for row in grid], dtype=bool)
    return function


@lru_cache(maxsize=64)
def _format_modules(
    version: int, size: int, pattern: int
) -> tuple[tuple[tuple[int, int], bool], ...]:
    """Where qrcode puts the format bits for this mask (and version bits), and their values."""
    grid = _placed(version, size, pattern)
    return tuple(
        ((row, col), bool(cell))
        for row, line in enumerate(grid)
        for col, cell in enumerate(line)
        if cell is not None
    )


@lru_cache(maxsize=8)
def _blank(version: int, size: int) -> list[list[bool | None]]:
    """qrcode's finder, separator, alignment and timing patterns of a version; None elsewhere."""
    code = QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.version, code.modules_count = version, size
    code.modules = [[None] * size for _ in range(size)]
    for row, col in ((0, 0), (size - 7, 0), (0, size - 7)):
        code.setup_position_probe_pattern(row, col)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    modules: list[list[bool | None]] = code.modules
    return modules


def _placed(version: int, size: int, pattern: int) -> list[list[bool | None]]:
    """An empty grid with only qrcode's format (and version) information written in."""
    holder = SimpleNamespace(
        modules=[[None] * size for _ in range(size)],
        modules_count=size,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        version=version,
    )
    QRCode.setup_type_info(holder, False, pattern)
    if version >= 7:
        QRCode.setup_type_number(holder, False)
    modules: list[list[bool | None]] = holder.modules
    return modules
