"""The compact set of idempotency-key hashes agrees with a Python set, across its folds."""

import random

from hypothesis import given
from hypothesis import strategies as st

from server.keyhashes import HashSet

HASHES = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def test_membership_matches_a_set_through_many_folds() -> None:
    rng = random.Random(7)
    kept, seen = HashSet(), set()
    for n in range(40_000):
        digest = hash(f"key-{rng.random()}") if n % 10 else rng.choice(list(seen) or [0])
        kept.add(digest)
        seen.add(digest)
        if n % 997 == 0:
            probes = rng.sample(sorted(seen), min(50, len(seen)))
            assert all(p in kept for p in probes)
            strangers = [hash(f"other-{rng.random()}") for _ in range(50)]
            assert [s in kept for s in strangers] == [s in seen for s in strangers]
    assert all(digest in kept for digest in seen)
    assert len(kept) >= len(seen)  # a hash added twice may be kept twice


@given(st.lists(HASHES, max_size=3000), st.lists(HASHES, max_size=50))
def test_any_hashes(added: list[int], probes: list[int]) -> None:
    kept = HashSet()
    for digest in added:
        kept.add(digest)
    assert all(digest in kept for digest in added)
    assert [p in kept for p in probes] == [p in set(added) for p in probes]
    assert "not a hash" not in kept
