"""Password hashing: Werkzeug's scrypt (`generate_password_hash`), with a fresh salt for every
password.

A stored hash reads `scrypt:<n>:<r>:<p>$<salt>$<key>`, so stronger parameters can come later
without breaking the hashes already stored. Hashing takes a tenth of a second of CPU on
purpose (the `password_cost` setting: n = 2**15 by default): the server runs it in gevent's
thread pool so other requests keep flowing. A hash made at another cost still verifies and is
stored again at the setting's cost at the next login. Hashes
made before, in madoguchi's own form (`scrypt$<n>$<r>$<p>$<salt>$<key>`, base64), still verify,
and are stored again in Werkzeug's form at the next login (`needs_rehash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_COST = 15  # n = 2**15, r = 8, p = 1: 32 MiB and about 0.1 s per hash
LEGACY = "scrypt"  # madoguchi's own form, before Werkzeug's
MAX_MEMORY = 128 * 1024 * 1024
# Which passwords are acceptable at all: strength.py.


def method(cost: int = DEFAULT_COST) -> str:
    """Werkzeug's name for scrypt at n = 2**cost."""
    return f"scrypt:{2**cost}:8:1"


def hash_password(password: str, cost: int = DEFAULT_COST) -> str:
    return generate_password_hash(password, method=method(cost))


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches `stored` (either form); a malformed hash never matches."""
    if stored.startswith(LEGACY + "$"):
        return _verify_legacy(password, stored)
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


def needs_rehash(stored: str, cost: int = DEFAULT_COST) -> bool:
    """Whether a hash that matched should be stored again, in the current form and cost."""
    return not stored.startswith(method(cost) + "$")


def _verify_legacy(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, key = stored.split("$")
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
def decoy_hash(cost: int = DEFAULT_COST) -> str:
    """A hash to check against when there is no such user, so the answer takes as long."""
    return hash_password(secrets.token_urlsafe(16), cost)
