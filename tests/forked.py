"""The tests' side of the fork server (tests/forkserver.py): server processes forked from a
process that has imported the server once, with the parts of `subprocess.Popen` the harness
uses (pid, poll, wait, send_signal, kill, terminate, returncode).

One fork server per test worker, started on first use and ended with the worker. Only the
test suite uses it (tests/conftest.py turns it on); the benchmarks start their servers with
`subprocess.Popen`, as an operator would.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Turned on for the test suite by tests/conftest.py; the benchmarks start real processes, as an
# operator would.
ENABLED = False


class Forked:
    """One child of the fork server, seen as `subprocess.Popen` shows a process."""

    def __init__(self, connection: socket.socket, argv: list[str]) -> None:
        self.args = argv
        self.returncode: int | None = None
        self._connection = connection
        self._buffer = b""
        line = self._line(timeout=60)
        if line is None or not line.startswith("pid "):
            raise RuntimeError(f"the fork server did not start the process: {line!r}")
        self.pid = int(line.split()[1])

    def _line(self, timeout: float | None) -> str | None:
        """The fork server's next line, or None if none came within `timeout` (0: don't
        wait)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._connection.settimeout(left)
            try:
                chunk = self._connection.recv(256)
            except (TimeoutError, BlockingIOError):
                return None
            if not chunk:
                raise RuntimeError("the fork server ended")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def poll(self) -> int | None:
        if self.returncode is None:
            self._take(self._line(timeout=0))
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._take(self._line(timeout=timeout))
            if self.returncode is None:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def _take(self, line: str | None) -> None:
        if line is not None and line.startswith("exit "):
            self.returncode = int(line.split()[1])
            self._connection.close()

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """This worker's fork server: started on first use."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="madoguchi-fork-"))
        self.path = str(self.folder / "socket")
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()  # a cluster's processes may be started from threads

    def _started(self) -> None:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()

    def _start(self) -> None:
        with open(self.folder / "forkserver.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.forkserver", self.path],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log_text = (self.folder / "forkserver.log").read_text(errors="replace")
                raise RuntimeError(f"the fork server did not start: {log_text[-3000:]}")
            time.sleep(0.02)

    def start(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path,
              stdin: Path | None = None, open_files: int | None = None,
              commands: list[list[str]] | None = None, errors: Path | None = None) -> Forked:
        """A child running `python -m server.cli ARGV` (or, with `commands`, each of them
        in turn, as tests/harness.py's init does) in `cwd`, its output appended to `log`
        (its standard error too, unless `errors` names a file for it)."""
        self._started()
        request = {"argv": argv, "env": env, "cwd": str(cwd), "log": str(log),
                   "stdin": None if stdin is None else str(stdin), "open_files": open_files,
                   "commands": commands, "errors": None if errors is None else str(errors)}
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self.path)
            connection.sendall(json.dumps(request).encode() + b"\n")
            return Forked(connection, argv)
        except BaseException:
            connection.close()
            raise

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    global _server
    if _server is None:
        _server = ForkServer()
        atexit.register(_server.close)
    return _server


def can_fork(env: dict[str, str]) -> bool:
    """Whether to start a process asking for `env` from the fork server: it is on (ENABLED)
    and a child would be that process, its environment differing from this one's only in
    madoguchi's own settings (anything else, a PYTHON* or LD_* variable say, takes effect only
    at a real start)."""
    if not ENABLED:
        return False
    keys = set(env) | set(os.environ)
    return all(env.get(k) == os.environ.get(k) for k in keys if not k.startswith("MADOGUCHI_"))


def run_cli(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m server.cli ARGS`, as `subprocess.run` with its output captured: a child of
    the fork server where it can be, else a new process."""
    env = dict(os.environ) if env is None else env
    argv = [sys.executable, "-m", "server.cli", *args]
    if not can_fork(env):
        return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, input=input)
    return _run_forked(argv, list(args), None, env, cwd, input, timeout)


# The commands in one process, one after the other (as tests/forkserver.py runs them).
_COMMANDS = (
    "import json, sys\n"
    "from server.cli import main\n"
    "for args in json.loads(sys.argv[1]):\n"
    "    main(args, standalone_mode=False)\n"
)


def run_commands(commands: list[list[str]], env: dict[str, str], cwd: Path,
                 input: str | None = None, timeout: float = 60
                 ) -> subprocess.CompletedProcess[str]:
    """Several `madoguchi` commands in one process (a start costs about a second), the first
    error ending it, as `subprocess.run` with its output captured."""
    argv = [sys.executable, "-c", _COMMANDS, json.dumps(commands)]
    if not can_fork(env):
        return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, input=input)
    return _run_forked(argv, [], commands, env, cwd, input, timeout)


def _run_forked(shown: list[str], args: list[str], commands: list[list[str]] | None,
                env: dict[str, str], cwd: Path | None, input: str | None, timeout: float
                ) -> subprocess.CompletedProcess[str]:
    """A child of the fork server run to its end, its output captured; `shown`: the command
    line it stands for."""
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-cli-"))
    given, out, err = folder / "stdin", folder / "stdout", folder / "stderr"
    given.write_text(input or "", encoding="utf-8")
    try:
        child = fork_server().start(args, env, cwd or Path.cwd(), out, stdin=given, errors=err,
                                    commands=commands)
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
        return subprocess.CompletedProcess(shown, code, out.read_text(encoding="utf-8"),
                                           err.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
