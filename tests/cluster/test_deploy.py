"""The example set-ups shipped in deploy/ are checked: the systemd unit by systemd's own
verifier, the compose file against the nginx configuration it mounts, and that nginx
configuration against the one the cluster tests run (tests/cluster/nginx.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
UPSTREAM_SERVER = re.compile(r"^\s*server (\S+) max_fails=1 fail_timeout=5s;$", re.M)


def test_the_systemd_unit_passes_systemds_verifier(tmp_path: Path) -> None:
    verifier = shutil.which("systemd-analyze")
    if verifier is None:
        pytest.skip("systemd-analyze is not installed here")
    unit = (DEPLOY / "systemd" / "madoguchi@.service").read_text(encoding="utf-8")
    assert "ExecStart=/srv/madoguchi/.venv/bin/madoguchi serve" in unit
    # Pointed at this checkout's command (the verifier checks that it can be run).
    command = Path(sys.executable).parent / "madoguchi"
    unit = unit.replace("/srv/madoguchi/.venv/bin/madoguchi", str(command))
    unit = unit.replace("WorkingDirectory=/srv/madoguchi", f"WorkingDirectory={tmp_path}")
    template = tmp_path / "madoguchi@.service"
    template.write_text(unit, encoding="utf-8")
    (tmp_path / "madoguchi@8001.service").symlink_to(template)
    done = subprocess.run([verifier, "verify", str(tmp_path / "madoguchi@8001.service")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_compose_file_runs_a_cluster_behind_its_nginx_configuration() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    processes = {name: s for name, s in services.items()
                 if "madoguchi serve" in s.get("command", "")}
    assert sorted(processes) == ["madoguchi1", "madoguchi2"]
    shared = {"MADOGUCHI_DATABASE", "MADOGUCHI_MESSAGE_QUEUE", "MADOGUCHI_SECRET_KEY_FILE",
              "MADOGUCHI_CLUSTER"}
    settings = [{k: v for k, v in s["environment"].items() if k in shared}
                for s in processes.values()]
    assert settings[0] == settings[1] and len(settings[0]) == len(shared), settings
    assert settings[0]["MADOGUCHI_CLUSTER"] == "true"
    # nginx's upstream is the processes, at the addresses they give each other.
    advertised = sorted(s["environment"]["MADOGUCHI_ADVERTISE_URL"].removeprefix("http://")
                        for s in processes.values())
    mounted = [v.split(":")[0] for v in services["nginx"]["volumes"]]
    conf = (DEPLOY / mounted[0]).resolve()
    assert conf == (DEPLOY / "nginx" / "compose.conf").resolve(), mounted
    assert sorted(UPSTREAM_SERVER.findall(conf.read_text(encoding="utf-8"))) == advertised
    # Every bind mount is there, relative to the compose file (compose's project folder),
    # and the processes' folder is the checkout (it installs it: pyproject.toml).
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), volume
    checkout = (DEPLOY / compose["x-madoguchi"]["volumes"][0].split(":")[0]).resolve()
    assert (checkout / "pyproject.toml").is_file(), checkout


def test_the_compose_nginx_configuration_is_the_tested_one_but_its_upstream(
        tmp_path: Path) -> None:
    """compose.conf differs from madoguchi.conf (run by the cluster tests) only in its
    upstream's servers; and nginx takes it (`nginx -t`, the names made local)."""
    tested = (DEPLOY / "nginx" / "madoguchi.conf").read_text(encoding="utf-8")
    compose = (DEPLOY / "nginx" / "compose.conf").read_text(encoding="utf-8")
    assert UPSTREAM_SERVER.sub("", tested) == UPSTREAM_SERVER.sub("", compose)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed here")
    site = re.sub(r"server madoguchi\d:8000", "server 127.0.0.1:8000", compose)
    (tmp_path / "nginx.conf").write_text(
        "worker_processes 1;\nerror_log stderr;\npid nginx.pid;\n"
        "events { worker_connections 16; }\n"
        "http {\n access_log off;\n client_body_temp_path tmp;\n proxy_temp_path tmp;\n"
        + site + "\n}\n", encoding="utf-8")
    (tmp_path / "tmp").mkdir()
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr
