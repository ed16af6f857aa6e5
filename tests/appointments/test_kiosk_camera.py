"""The kiosk's 「予約の方」 reads the booking's QR code from the camera: Chromium's fake camera
plays a video of the QR code the booking gave (its address, `/b/<code>`), and the kiosk checks
the visitor in by itself. (Debian's Chromium has no BarcodeDetector: jsQR reads the frames.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode
from playwright.sync_api import Browser, Playwright

from tests.appointments.conftest import MONDAY_0900, at
from tests.appointments.test_kiosk_check_in import book
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.harness import ServerProcess, token
from tests.kiosk.conftest import PORTRAIT, open_kiosk_page

WIDTH, HEIGHT = 320, 240


def qr_video(text: str, path: Path) -> Path:
    """A still video (YUV4MPEG2, 4:2:0) of the QR code of `text`, black on white."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    box = min(WIDTH, HEIGHT) // len(matrix)
    left, top = (WIDTH - box * len(matrix)) // 2, (HEIGHT - box * len(matrix)) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range(top + r * box, top + (r + 1) * box):
                    start = y * WIDTH + left + c * box
                    luma[start:start + box] = b"\x00" * box
    chroma = b"\x80" * (WIDTH * HEIGHT // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F5:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 5)
    return path


@pytest.fixture
def camera_browser(playwright: Playwright, tmp_path: Path,
                   clinic: ServerProcess) -> Iterator[tuple[Browser, str]]:
    at(clinic, MONDAY_0900)
    code = book(clinic, "ka", "2026-12-07T10:30:00+09:00")
    video = qr_video(f"{clinic.url}/b/{code.replace('-', '')}", tmp_path / "qr.y4m")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    yield browser, code
    browser.close()


def test_the_kiosk_checks_in_a_qr_code_held_up_to_the_camera(
        camera_browser: tuple[Browser, str], clinic: ServerProcess) -> None:
    browser, code = camera_browser
    for kiosk in open_kiosk_page(browser, clinic, "ka", PORTRAIT):
        kiosk.page.context.grant_permissions(["camera"], origin=clinic.url)
        kiosk.open()
        kiosk.wait_for("start")
        kiosk.page.locator("#appointment-open").click()
        kiosk.wait_for("ticket")  # nothing typed: the camera read the code
        shown = kiosk.text_of("#ticket-number")
        listed = clinic.request("GET", "/api/sites/ka/appointments", token("ka", "staff1")).body
        [mine] = [b for b in listed["appointments"] if b["slot_at"].startswith("2026-12-07T10:30")]
        assert mine["status"] == "checked_in"
        waiting = clinic.request("GET", "/api/sites/ka/queues", token("ka", "staff1")).body
        career = next(q for q in waiting["queues"] if q["service"] == "career")["waiting"]
        assert [t["slot_at"] for t in career if t["label"] == shown] == [
            "2026-12-07T10:30:00+09:00"]
