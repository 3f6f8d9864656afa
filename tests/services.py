"""Real services for the tests and the benchmark: PostgreSQL and nginx from Debian, each started in a
temp dir of its own, on free ports of 127.0.0.1, and stopped with the test.

`make test` (and so CI) installs both with apt when they are missing (as root). Elsewhere a test
that needs one skips with the reason; with CI=true it fails instead.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEPLOY_NGINX = REPO / "deploy" / "nginx" / "faqbot.conf"
DEPLOY_INCLUDES = "/etc/nginx/faqbot/"
PG_USER = "faqbot"  # the database superuser initdb makes (trust authentication, 127.0.0.1 only)
# The test database never needs to survive a power cut; the benchmark keeps PostgreSQL's defaults.
FAST_AND_UNSAFE = ("-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin() -> Path | None:
    """The newest PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")]
    if not found and shutil.which("pg_ctl"):
        found = [Path(str(shutil.which("pg_ctl"))).parent]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def nginx_bin() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def require(name: str, found: object) -> None:
    """Skip a test when a service's binary is missing (fail in CI, where `make test` installs it)."""
    if found:
        return
    import pytest

    message = f"{name} is not installed: `make test` installs it with apt when run as root"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is missing in CI: {message}")
    pytest.skip(message)


def _owner() -> tuple[int, int] | None:
    """Who runs PostgreSQL: it refuses root, so as root the `postgres` user (else nobody)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root, and no unprivileged user to run PostgreSQL as")


class Postgres:
    """A PostgreSQL cluster of its own: initdb into a temp dir, `postgres` on a free port."""

    def __init__(self, *, fast: bool = True):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.options = FAST_AND_UNSAFE if fast else ()
        self._owner = _owner()
        if self._owner:
            os.chown(self.root, *self._owner)
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust", "--encoding=UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        assert self.bin is not None
        extra: dict[str, Any] = {}
        if self._owner:
            extra = {"user": self._owner[0], "group": self._owner[1], "extra_groups": []}
        done = subprocess.run(
            [str(self.bin / tool), *args], cwd=self.root, capture_output=True, text=True, check=False, **extra
        )
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}\n{log[-3000:]}")

    def start(self) -> None:
        where = ["-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1"]
        options = " ".join([*where, *self.options])
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres(*, fast: bool = True) -> Iterator[Postgres]:
    server = Postgres(fast=fast)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def render_nginx_site(root: Path, *, listen: int, replicas: Sequence[str], unlimited: Sequence[str]) -> str:
    """deploy/nginx/faqbot.conf as shipped, but for this machine: the port it listens on, and its
    includes (the replicas, the addresses exempt from the rate limit) written into `root`."""
    (root / "replicas.conf").write_text("".join(f"server {r} max_fails=1 fail_timeout=2s;\n" for r in replicas))
    (root / "unlimited.conf").write_text("".join(f"{address} 1;\n" for address in unlimited))
    site = DEPLOY_NGINX.read_text().replace(DEPLOY_INCLUDES, f"{root}/")
    site, listens = re.subn(r"(?m)^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen};", site)
    if listens != 1:
        raise AssertionError(f"{DEPLOY_NGINX} should have exactly one 'listen 80;'")
    return site


# What the tests' nginx logs: which replica answered each request (the last of those tried).
ACCESS_LOG_FORMAT = "$msec $status $http_x_request_id $upstream_addr"


class Nginx:
    """nginx with the deployed site config, in a prefix directory of its own, in the foreground."""

    def __init__(self, replicas: list[str], *, unlimited: Sequence[str] = ()):
        binary = nginx_bin()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-nginx-"))
        self.access_log = self.root / "access.log"
        self.error_log = self.root / "error.log"
        for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.root / folder).mkdir()
        site = render_nginx_site(self.root, listen=self.port, replicas=replicas, unlimited=list(unlimited))
        (self.root / "faqbot.conf").write_text(site)
        (self.root / "nginx.conf").write_text(
            f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.root}/nginx.pid;
error_log {self.error_log} warn;
events {{ worker_connections 2048; }}
http {{
    log_format faqbot_test '{ACCESS_LOG_FORMAT}';
    access_log {self.access_log} faqbot_test;
    client_body_temp_path {self.root}/client_body;
    proxy_temp_path {self.root}/proxy;
    fastcgi_temp_path {self.root}/fastcgi;
    uwsgi_temp_path {self.root}/uwsgi;
    scgi_temp_path {self.root}/scgi;
    include {self.root}/faqbot.conf;
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [self.binary, "-p", str(self.root), "-c", str(self.root / "nginx.conf")]
        check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start:\n{self.error_log.read_text()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def served_by(self) -> dict[str, str]:
        """X-Request-ID -> the replica that answered it, from the access log."""
        out = {}
        for line in self.access_log.read_text().splitlines():
            parts = line.split(" ", 3)
            if len(parts) == 4 and parts[2] != "-":
                out[parts[2]] = parts[3].split(", ")[-1]
        return out

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def nginx(replicas: list[str], *, unlimited: Sequence[str] = ()) -> Iterator[Nginx]:
    proxy = Nginx(replicas, unlimited=unlimited)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.remove()
