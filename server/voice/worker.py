"""A separate process for OpenJTalk: keeps its ~100 MB dictionary and its CPU-heavy synthesis
out of the server's memory and away from the server's GIL.

Protocol on stdin/stdout: one JSON line {"reading": "..."} in; out comes a 4-byte big-endian
length and that many bytes of float32 samples at audio.RATE, or length 0xFFFFFFFF followed
by one line of error text.
"""

from __future__ import annotations

import json
import struct
import sys

import numpy as np

FAILED = 0xFFFFFFFF


def main() -> None:
    from .synth import japanese_samples

    out = sys.stdout.buffer
    for line in sys.stdin:
        try:
            reading = json.loads(line)["reading"]
            samples = np.asarray(japanese_samples(reading), dtype=np.float32).tobytes()
            out.write(struct.pack(">I", len(samples)) + samples)
        except Exception as exc:  # report and go on with the next sentence
            out.write(struct.pack(">I", FAILED) + (str(exc).replace("\n", " ") + "\n").encode())
        out.flush()


if __name__ == "__main__":
    main()
