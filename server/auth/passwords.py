"""Password hashing with scrypt from the standard library, a fresh salt for every password.

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<key>` (base64), so stronger parameters can
come later without breaking the hashes already stored. Hashing takes a tenth of a second of
CPU on purpose: the server runs it in gevent's thread pool so other requests keep flowing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

SCHEME = "scrypt"
N, R, P = 2**15, 8, 1  # 32 MiB and about 0.1 s per hash
KEY_BYTES = 32
MAX_MEMORY = 128 * 1024 * 1024
# Which passwords are acceptable at all: strength.py.


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, n: int = N, r: int = R, p: int = P) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=MAX_MEMORY
    )
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches `stored`; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(key)
        found = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=MAX_MEMORY,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


@cache
def decoy_hash() -> str:
    """A hash to check against when there is no such user, so the answer takes as long."""
    return hash_password(secrets.token_urlsafe(16))
