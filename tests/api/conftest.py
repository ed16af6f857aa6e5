"""API test fixtures: a site shared by one module, for tests that need no empty queues."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def module_site(_site_pool: list[str]) -> str:
    """A fresh site shared by the tests of one module (each test makes its own tickets)."""
    if not _site_pool:
        pytest.fail("the test site pool is used up: add sites to POOL in conftest.py")
    return _site_pool.pop(0)
