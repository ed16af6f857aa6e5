"""Announcement audio, made once per phrase and kept: a call is announced as soon as it is
committed (the audio is started then, so it is usually ready before a display asks), made
by a worker process of its own (`Speaker`) so that the server never loads the speech engines.
"""

from __future__ import annotations

import contextlib
import json
import logging
import struct
import sys
from typing import Any

import gevent
import gevent.subprocess
from gevent.event import AsyncResult
from gevent.lock import Semaphore

from ..domain.events import PUBLIC_CALLS, Event
from ..domain.model import Site
from .cache import VoiceCache
from .phrases import Announcement, PhraseError, Spoken, announcement
from .protocol import FAILED, VoiceUnavailable

log = logging.getLogger(__name__)


class Voice:
    """Makes and keeps announcement audio; lives on the event loop, synthesises off it."""

    def __init__(self, cache: VoiceCache, languages: tuple[str, ...]) -> None:
        self.cache = cache
        self.languages = languages
        self.speaker = Speaker()  # synthesis and assembly in a process of its own
        self.pending: dict[str, AsyncResult] = {}

    def phrase(self, label: str, counter_number: int) -> Announcement:
        return announcement(label, counter_number, self.languages)

    def audio(self, phrase: Announcement) -> tuple[bytes, bool]:
        """The WAV for `phrase`, and whether it was cached; two asks for one phrase share the
        work."""
        cached = self.cache.get(phrase.key)
        if cached is not None:
            return cached, True
        pending = self.pending.get(phrase.key)
        if pending is not None:
            return pending.get(), False
        result: AsyncResult = AsyncResult()
        self.pending[phrase.key] = result
        try:
            data = self.speaker.wav(phrase.sentences)
            self.cache.put(phrase.key, data)
        except BaseException as exc:
            result.set_exception(exc)
            raise
        finally:
            del self.pending[phrase.key]
        result.set(data)
        return data, False

    def prepare(self, phrase: Announcement) -> None:
        try:
            self.audio(phrase)
        except Exception:  # the display will ask again, and be told
            log.exception("could not prepare the announcement %r", phrase.text)


class Speaker:
    """Talks to one long-lived `server.voice.worker` process (OpenJTalk, espeak-ng, numpy),
    one announcement at a time; starts it on first use and again if it dies. The server
    process itself never loads numpy or the dictionary."""

    def __init__(self) -> None:
        self.lock = Semaphore()
        self.process: Any = None

    def wav(self, sentences: tuple[Spoken, ...] | list[Spoken]) -> bytes:
        """The announcement of `sentences` (chime, then each language) as WAV bytes."""
        request = [{"language": s.language, "reading": s.reading} for s in sentences]
        with self.lock:
            for attempt in (1, 2):
                try:
                    return self._ask(request)
                except (OSError, EOFError, ValueError):
                    self.close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def _ask(self, sentences: list[dict[str, str]]) -> bytes:
        if self.process is None or self.process.poll() is not None:
            self.process = gevent.subprocess.Popen(
                [sys.executable, "-m", "server.voice.worker"],
                stdin=gevent.subprocess.PIPE, stdout=gevent.subprocess.PIPE)
        self.process.stdin.write((json.dumps({"sentences": sentences}) + "\n").encode())
        self.process.stdin.flush()
        head = self._read(4)
        (size,) = struct.unpack(">I", head)
        if size == FAILED:
            raise VoiceUnavailable(self.process.stdout.readline().decode().strip())
        return self._read(size)

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.process.stdout.read(size - len(data))
            if not chunk:
                raise EOFError("the voice process ended")
            data += chunk
        return data

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process = None


class Prewarmer:
    """An engine listener: starts the audio of every call as soon as it is committed."""

    LIMIT = 20  # calls waiting to be prepared; beyond this a display's own request makes it

    def __init__(self, voice: Voice, sites: dict[str, Site]) -> None:
        self.voice = voice
        self.sites = sites
        self.waiting = 0

    def __call__(self, events: list[Event]) -> None:
        for event in events:
            site = self.sites.get(event.site_id)
            counter = site.counter(event.counter_id) if site and event.counter_id else None
            label = event.data.get("label")
            if event.kind not in PUBLIC_CALLS or counter is None or not isinstance(label, str):
                continue
            try:
                phrase = self.voice.phrase(label, counter.number)
            except PhraseError:
                continue
            if self.waiting < self.LIMIT:
                self.waiting += 1
                gevent.spawn(self._prepare, phrase)

    def _prepare(self, phrase: Announcement) -> None:
        try:
            self.voice.prepare(phrase)
        finally:
            self.waiting -= 1


def languages_setting(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
