"""What the server process leaves out of its memory."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_server_does_not_load_the_socketio_client_libraries() -> None:
    """python-socketio imports its client side, and with it requests, urllib3 and
    websocket-client (~5 MB); the server never uses them (cli.py leaves them out)."""
    probe = (
        "import sys, server.cli, server.app; "
        "print(sorted(m for m in ('requests', 'urllib3', 'websocket') if sys.modules.get(m)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"
