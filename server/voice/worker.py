"""A separate process for making announcement audio: keeps OpenJTalk's ~100 MB dictionary,
numpy and the CPU-heavy synthesis out of the server's memory and away from the server's GIL.

Protocol on stdin/stdout: one JSON line {"sentences": [{"language": "ja", "reading": "..."},
...]} in; out comes a 4-byte big-endian length and that many bytes of the whole announcement
as a WAV file (chime, then each sentence; see synth.assemble), or length 0xFFFFFFFF followed
by one line of error text.
"""

from __future__ import annotations

import json
import os
import struct
import sys

from .phrases import Spoken
from .protocol import FAILED
from .synth import assemble, speak

# Below the server in the CPU's queue: audio made ahead of time (every call is prepared as it
# is committed, at ~0.2 s of CPU a sentence) must never slow the calls themselves down.
NICENESS = 10


def main() -> None:
    try:
        os.nice(NICENESS)
    except OSError:  # not permitted here: run at the server's priority
        pass
    out = sys.stdout.buffer
    for line in sys.stdin:
        try:
            sentences = [Spoken(s["language"], "", s["reading"])
                         for s in json.loads(line)["sentences"]]
            data = assemble([speak(sentence) for sentence in sentences])
            out.write(struct.pack(">I", len(data)) + data)
        except Exception as exc:  # report and go on with the next announcement
            out.write(struct.pack(">I", FAILED) + (str(exc).replace("\n", " ") + "\n").encode())
        out.flush()


if __name__ == "__main__":
    main()
