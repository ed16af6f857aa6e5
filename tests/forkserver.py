"""A fork server for the tests' madoguchi processes: `madoguchi serve` and `init` without
paying Python's start-up each time.

A server process spends about a second of CPU before it serves: importing Flask,
SQLAlchemy, Socket.IO and the server's own modules, and gevent's patching. A test suite
starts about ninety servers and runs about eighty `init`s. This process does that work
once (it imports exactly what `python -m server.cli` imports, nothing of the tests), then
forks a child for each request: the child is a real, separate server process with its own
pid, working directory, environment, log and open-files limit, which the tests can kill -9,
freeze and restart as before (tests/forked.py, `Forked`).

Protocol, one Unix-socket connection per child: the client sends one JSON line
(`argv`, `env`, `cwd`, `log`, `errors`, `stdin`, `open_files`, `commands`); the server answers
`pid N`, and `exit CODE` (negative: the signal) when the child ends, then closes.

Started by tests/forked.py as `python -m tests.forkserver SOCKET`; it ends when the process
that started it does.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import importlib
import json
import os
import signal
import socket
import sys
import traceback

# What a child loads in the fork server, once: what `python -m server.cli serve` loads, in
# its order (gevent's patching first), and what `init` adds (the server loads alembic only
# when the schema needs a migration).
PRELOAD = ("server.cli", "server.app", "alembic.command", "alembic.config")


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


def _serve(path: str) -> dict[str, object]:
    """Accept requests until the parent is gone; in each forked child, return its request."""
    from gevent import monkey  # the functions as they were before gevent's patching

    _socket = monkey.get_original("socket", "socket")
    _select = monkey.get_original("select", "select")
    _waitpid = monkey.get_original("os", "waitpid")
    _fork = monkey.get_original("os", "fork")
    _signal = monkey.get_original("signal", "signal")
    parent = os.getppid()
    listener = _socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(64)
    os.rename(path + ".new", path)  # the path appears only once it takes connections
    children: dict[int, object] = {}  # pid -> the connection that asked for it
    # A child's end wakes the loop: SIGCHLD writes a byte to this pipe.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    _signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    while True:
        readable, _, _ = _select([listener, wake_read], [], [], 1.0)
        if wake_read in readable:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_read, 4096)
        if listener in readable:
            connection, _ = listener.accept()
            request = _read_request(connection)
            if request is not None:
                sys.stdout.flush()
                sys.stderr.flush()
                pid = _fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    _signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(wake_read)
                    os.close(wake_write)
                    listener.close()
                    for other in children.values():
                        other.close()  # type: ignore[attr-defined]
                    connection.close()
                    return request
                children[pid] = connection
                _send(connection, f"pid {pid}\n")
            else:
                connection.close()
        while children:
            try:
                pid, status = _waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            asked = children.pop(pid, None)
            if asked is not None:
                _send(asked, f"exit {os.waitstatus_to_exitcode(status)}\n")
                asked.close()  # type: ignore[attr-defined]
        if os.getppid() != parent:  # the test worker is gone: so are its servers' clients
            sys.exit(0)


def _read_request(connection: object) -> dict[str, object] | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)  # type: ignore[attr-defined]
        if not chunk:
            return None
        data += chunk
    request: dict[str, object] = json.loads(data)
    return request


def _send(connection: object, text: str) -> None:
    try:
        connection.sendall(text.encode())  # type: ignore[attr-defined]
    except OSError as exc:  # the test let go of this child: nobody to tell
        if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.EBADF):
            raise


def _become(request: dict[str, object]) -> None:
    """In the child: take on the process's place as `python -m server.cli` would have it."""
    import resource
    import time

    os.chdir(str(request["cwd"]))
    sys.path[0] = str(request["cwd"])
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
    time.tzset()
    stdin = os.open(str(request.get("stdin") or os.devnull), os.O_RDONLY)
    log = os.open(str(request["log"]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    errors = os.open(str(request.get("errors") or request["log"]),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(stdin, 0)
    os.dup2(log, 1)
    os.dup2(errors, 2)
    for fd in (stdin, log, errors):
        os.close(fd)
    limit = request.get("open_files")
    if limit is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (int(limit), int(limit)))  # type: ignore[call-overload]
    sys.argv = [str(sys.modules["server.cli"].__file__), *list(request["argv"])]  # type: ignore[call-overload]


def main() -> None:
    # The imported objects stay where they are: a child's collections do not visit them, so
    # their pages stay shared with this process instead of being copied into each child.
    _preload()
    gc.freeze()
    request = _serve(sys.argv[1])
    cli = sys.modules["server.cli"]
    _become(request)
    code = 0
    try:
        commands = request.get("commands")
        if commands is not None:  # `init` and `user add`s in turn (tests/harness.py)
            for args in commands:  # type: ignore[attr-defined]
                cli.main(args, standalone_mode=False)
        else:
            cli.main(list(request["argv"]), prog_name="python -m server.cli")  # type: ignore[call-overload]
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    # What the interpreter does at exit that others can see (atexit: logging's last
    # flush), without its tear-down of every object, which here would copy most of the
    # fork server's memory into the child first (a third of a second).
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _exit_code(code: object) -> int:
    """The status `sys.exit(code)` gives a Python process."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()
