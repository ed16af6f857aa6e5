"""The server answers: issue, call, finish through the real process."""

from tests.harness import ServerProcess


def test_issue_call_finish_round_trip(server: ServerProcess, site: str) -> None:
    issued = server.issue(site, ["career", "job"])
    assert issued.status == 201, issued.body
    called = server.call_next(site, "c2", staff="staff2")
    assert called.status == 200, called.body
    assert called.body["ticket"]["id"] == issued.body["id"]
    assert called.body["reason"] == "longest waiting in キャリア・カウンセリング"
    done = server.act(site, issued.body["id"], "finish", {"outcome": "consult_only"}, "staff2")
    assert done.status == 200, done.body
    assert done.body["ticket"]["status"] == "waiting"
    assert done.body["ticket"]["service"] == "job"
    assert done.body["ticket"]["label"] == issued.body["label"]
