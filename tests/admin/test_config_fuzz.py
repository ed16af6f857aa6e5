"""No body sent to a configuration endpoint gets a 500, and a refused one changes nothing."""

from __future__ import annotations

from typing import Any

from tests.admin.test_config_api import PENSION, config
from tests.harness import ADMIN, ServerProcess

ODD_VALUES: list[Any] = [None, True, 0, -1, 2**63, 1.5, "", "x" * 300, "🙂", "\u0000", [],
                         ["x"], [1], [1, 2, 3], {}, {"a": 1}, {"job": "x"}, {"job": -1}]
PLAUSIBLE: dict[str, dict[str, Any]] = {
    "services/pension": PENSION,
    "counters/{site}-c9": {"name": "年金", "number": 9, "services": ["job"], "area": "main",
                           "mode": "weighted", "weights": {"job": 2}},
    "printers/{site}-p9": {"kind": "memory", "address": "x", "name": "p", "width": 576,
                           "confirm": "none"},
    "devices/{site}-display": {"name": "表示盤", "area": "main", "counter": None,
                               "enabled": True, "printers": [], "show_sensitive": []},
}


def test_odd_bodies_are_refused_with_a_code_and_change_nothing(
    server: ServerProcess, site: str
) -> None:
    before = config(server, site)
    fired = 0
    for item, plausible in PLAUSIBLE.items():
        method = "PATCH" if item.startswith("devices") else "PUT"
        path = f"/api/sites/{site}/configuration/{item.format(site=site)}"
        for name in plausible:
            for value in ODD_VALUES:
                body = {**plausible, name: value}
                reply = server.request(method, path, ADMIN, body)
                fired += 1
                assert reply.status < 500, (path, body, reply.body)
                if reply.status >= 400:
                    assert reply.error and reply.body["message"], reply.body
                else:  # what was accepted is put back as it was
                    assert server.request("DELETE", f"/api/sites/{site}/configuration",
                                          ADMIN).status == 200
                    if method == "PATCH":
                        server.request(method, path, ADMIN, plausible)
        for raw in (b"{", b"[]", b"null", b'"x"', b"[" * 5000):
            reply = server.request(method, path, ADMIN, data=raw,
                                   headers={"Content-Type": "application/json"})
            fired += 1
            assert 400 <= reply.status < 500, (path, raw[:10], reply.body)
    after = config(server, site)
    for part in ("services", "counters", "printers"):
        assert after[part] == before[part]
    assert fired > 300
