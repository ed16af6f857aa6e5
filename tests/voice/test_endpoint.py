"""/voice/… on the real server: who may ask, what a bad request gets, and what a call says."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.voice.audio import wav_seconds
from server.voice.phrases import announcement
from tests.harness import ServerProcess, token

ASK = "/voice/announcement?label={label}&counter={counter}"
SENSITIVE_WORDS = ("生活", "福祉", "住居", "給付", "相談")


def ask(
    server: ServerProcess, site: str, label: str, counter: object, device: str = "display"
) -> tuple[int, dict[str, object]]:
    # The first announcement starts the voice process (numpy, the dictionary): on a loaded
    # machine, more than the usual 30 s.
    reply = server.request("GET", ASK.format(label=label, counter=counter), token(site, device),
                           timeout=90)
    assert isinstance(reply.body, dict)
    return reply.status, reply.body


def test_anonymous_callers_and_kiosks_get_no_announcement(server: ServerProcess, site: str) -> None:
    anonymous = server.request("GET", ASK.format(label="5", counter=1))
    assert (anonymous.status, anonymous.error) == (401, "unauthorized")
    status, body = ask(server, site, "5", 1, device="kiosk")
    assert (status, body["error"]) == (403, "forbidden_role")
    wav = server.request("GET", f"/voice/{announcement('5', 1).key}.wav")
    assert (wav.status, wav.error) == (401, "unauthorized")


@pytest.mark.parametrize(
    ("label", "counter", "field"),
    [
        ("", 1, "label"),
        ("0", 1, "label"),
        ("12345", 1, "label"),
        ("1-2", 1, "label"),
        ("ABCD1", 1, "label"),
        ("5", 0, "counter"),
        ("5", 100, "counter"),
        ("5", "x", "counter"),
    ],
)
def test_a_bad_label_or_counter_is_refused_with_the_field_named(
    server: ServerProcess,
    site: str,
    label: str,
    counter: object,
    field: str,
) -> None:
    status, body = ask(server, site, label, counter)
    assert (status, body["error"], body["field"]) == (422, "invalid_field", field)


def test_a_display_gets_the_words_then_the_audio_which_is_kept(
    server: ServerProcess, site: str
) -> None:
    status, first = ask(server, site, "123", 3)
    assert status == 200
    assert first["text"] == "受付番号123番の方、3番窓口へお越しください。"
    assert first["sentences"] == [{"language": "ja", "text": first["text"]}]
    assert first["key"] == announcement("123", 3).key
    status, again = ask(server, site, "123", 3, device="staff1")  # staff may listen too
    assert (status, again["cached"], again["url"]) == (200, True, first["url"])
    wav = server.http.get(
        server.url + str(first["url"]),
        headers={"Authorization": f"Bearer {token(site, 'display')}"},
    )
    assert wav.status_code == 200
    assert wav.headers["Content-Type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF"
    assert wav_seconds(wav.content) == pytest.approx(float(str(first["seconds"])), abs=0.01)
    assert (server.workdir / "voice-cache" / f"{first['key']}.wav").read_bytes() == wav.content


def test_audio_nobody_asked_for_is_not_found(server: ServerProcess, site: str) -> None:
    for key in ("0" * 32, "not-a-key"):
        reply = server.request("GET", f"/voice/{key}.wav", token(site, "display"))
        assert (reply.status, reply.error) == (404, "not_found")


def wait_for_file(path: Path, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def test_a_call_prepares_its_announcement_before_any_display_asks(
    server: ServerProcess, site: str
) -> None:
    issued = server.issue(site, ["job"])
    assert server.call_next(site, "c1").status == 200
    key = announcement(str(issued.body["label"]), 1).key
    assert wait_for_file(server.workdir / "voice-cache" / f"{key}.wav")


def test_the_call_of_a_sensitive_desk_names_neither_the_desk_nor_its_purpose(
    server: ServerProcess,
    site: str,
) -> None:
    issued = server.issue(site, ["welfare"])
    called = server.call_next(site, "c3", staff="staff3")
    assert called.status == 200
    label = str(issued.body["label"])
    status, body = ask(server, site, label, 3, device="display-welfare")
    assert status == 200
    assert body["text"] == f"受付番号{label}番の方、3番窓口へお越しください。"
    assert not any(word in str(body) for word in SENSITIVE_WORDS)


def test_the_server_process_makes_audio_without_loading_numpy_or_openjtalk(
    tmp_path: Path,
) -> None:
    """Synthesis and the WAV's assembly happen in the worker process: the server itself stays
    lean (numpy alone is ~15 MB, OpenJTalk's dictionary ~100 MB). A server of its own: the
    shared one may have made a report, which sorts its waits with numpy."""
    server = ServerProcess(tmp_path, ["lean"])
    server.init()
    server.start()
    try:
        status, body = ask(server, "lean", "456", 2)
        assert status == 200 and float(str(body["seconds"])) > 1.0
        assert server.proc is not None
        mapped = Path(f"/proc/{server.proc.pid}/maps").read_text()
    finally:
        server.stop()
    assert "numpy" not in mapped
    assert "openjtalk" not in mapped.lower()
