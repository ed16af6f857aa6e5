"""A real CUPS server (Debian's cupsd) for the tests, in the foreground with its own folder and
port: no system service, no system configuration. Queues are raw queues made with lpadmin,
each sending to a fake network printer, with printer-error-policy=abort-job as the printer
guide advises for a kiosk's queue (a failed job ends, the queue stays open).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
LPADMIN = shutil.which("lpadmin") or "/usr/sbin/lpadmin"
CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel info
WebInterface No
Browsing Off
DefaultAuthType None
MaxJobs 0
PreserveJobHistory 60
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
FILES_CONF = """ServerRoot {root}
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
ServerBin /usr/lib/cups
DataDir /usr/share/cups
ErrorLog {root}/error_log
AccessLog {root}/access_log
PageLog {root}/page_log
Printcap {root}/printcap
SystemGroup root
"""


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


class CupsServer:
    """cupsd runs its backends as the user lp, who must reach the spool: so its folder is one
    of its own under the system's temporary folder, open to all for reading (a test's
    tmp_path is root's alone), and removed afterwards."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="madoguchi-cupsd-"))
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CupsServer:
        for name in ("spool", "tmp", "cache", "state"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        os.chmod(self.root / "tmp", 0o1777)
        (self.root / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        (self.root / "cups-files.conf").write_text(FILES_CONF.format(root=self.root))
        self._process = subprocess.Popen(
            [CUPSD, "-f", "-c", str(self.root / "cupsd.conf"),
             "-s", str(self.root / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"cupsd stopped: see {self.root / 'error_log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("cupsd did not start listening in 20 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_queue(self, name: str, device_uri: str) -> str:
        """A raw queue; returns its madoguchi url."""
        subprocess.run(
            [LPADMIN, "-h", f"127.0.0.1:{self.port}", "-p", name, "-E", "-v", device_uri,
             "-o", "printer-error-policy=abort-job"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return f"cups://127.0.0.1:{self.port}/{name}"
