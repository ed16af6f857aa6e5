"""nginx (Debian's) in front of a cluster, with the shipped configuration
(deploy/nginx/madoguchi.conf): its upstream pointed at the test's processes, on a free port,
run by the test as an ordinary process."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import requests

from tests.harness import ServerProcess, free_port

NGINX = "/usr/sbin/nginx"
SHIPPED = Path(__file__).parents[2] / "deploy" / "nginx" / "madoguchi.conf"


class Nginx:
    def __init__(self, workdir: Path, processes: list[ServerProcess]) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError(f"{NGINX} is missing: run .ci/setup (apt package 'nginx')")
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = SHIPPED.read_text(encoding="utf-8")
        servers = "".join(f"    server 127.0.0.1:{p.port} max_fails=1 fail_timeout=5s;\n"
                          for p in processes)
        site = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        (workdir / "logs").mkdir(exist_ok=True)
        (workdir / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")  # else nobody: no way into tmp
            + "worker_processes 1;\nerror_log logs/error.log;\npid nginx.pid;\n"
            "events { worker_connections 256; }\n"
            "http {\n access_log off;\n client_body_temp_path tmp;\n proxy_temp_path tmp;\n"
            + site + "\n}\n", encoding="utf-8")
        (workdir / "tmp").mkdir(exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.workdir), "-c", "nginx.conf", "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "logs" / "error.log").read_text())
            try:
                if requests.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
