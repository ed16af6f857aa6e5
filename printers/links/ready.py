"""Waiting until a descriptor can be read or written, whatever its number.

select() refuses descriptors of 1,024 and above (FD_SETSIZE): gevent's select asks the
system's first, so it refuses them too. A server holding many connections (displays,
consoles, phones) opens a printer's device after them and gets such a number; poll() has
no such limit, and under gevent's monkey patching select.poll is gevent's and waits
without stopping the server. select.poll is looked up at each call for that reason.
"""

from __future__ import annotations

import select


def readable(fd: int, timeout: float) -> bool:
    """Whether `fd` has something to read (or an error or hang-up to report) within `timeout` s."""
    return _wait(fd, select.POLLIN, timeout)


def writable(fd: int, timeout: float) -> bool:
    """Whether `fd` takes a write (or has an error to report) within `timeout` seconds."""
    return _wait(fd, select.POLLOUT, timeout)


def _wait(fd: int, events: int, timeout: float) -> bool:
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(max(timeout, 0.001) * 1000))
