"""Real services for the tests and the benchmark: PostgreSQL, nginx and HAProxy from Debian, each
started in a temp dir of its own, on free ports of 127.0.0.1, and stopped with the test; and
`faqbot serve` replicas to put behind them.

`make test` (and so CI) installs them with apt when they are missing (as root). Elsewhere a test
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
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[1]
DEPLOY_NGINX = REPO / "deploy" / "nginx" / "faqbot.conf"
DEPLOY_INCLUDES = "/etc/nginx/faqbot/"
DEPLOY_HAPROXY = REPO / "deploy" / "haproxy" / "faqbot.cfg"
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


def haproxy_bin() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.access(p, os.X_OK)), None)


def wait_listening(process: subprocess.Popen[bytes], port: int, name: str, log: Path) -> None:
    """Wait until `process` accepts connections on `port` of 127.0.0.1 (20 s at most); if it exits
    or never listens, fail with the end of its `log`."""
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}") from None
            time.sleep(0.05)


def stop_gracefully(process: subprocess.Popen[bytes] | None, graceful: signal.Signals) -> None:
    """Send `graceful` (the proxy's signal to finish what is in flight), and kill after 10 s."""
    if process is not None and process.poll() is None:
        process.send_signal(graceful)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        wait_listening(self.process, self.port, "nginx", self.error_log)

    def stop(self) -> None:
        stop_gracefully(self.process, signal.SIGQUIT)
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


def render_haproxy_config(root: Path, *, listen: int, replicas: dict[str, str], unlimited: Sequence[str]) -> str:
    """deploy/haproxy/faqbot.cfg as shipped, but for this machine: the address it listens on, its
    runtime socket and exempt list in `root`, its log on standard output, and `replicas` (name ->
    host:port) for its `server` lines."""
    (root / "unlimited.lst").write_text("".join(f"{address}\n" for address in unlimited))
    config = DEPLOY_HAPROXY.read_text()
    for shipped, here in (
        ("/etc/haproxy/faqbot-unlimited.lst", str(root / "unlimited.lst")),
        ("/run/haproxy/faqbot.sock", str(root / "haproxy.sock")),
    ):
        if shipped not in config:
            raise AssertionError(f"{DEPLOY_HAPROXY} should name {shipped}")
        config = config.replace(shipped, here)
    for pattern, here in (
        (r"(?m)^(\s*)bind :80$", rf"\1bind 127.0.0.1:{listen}"),
        (r"(?m)^(\s*)log /dev/log (.*)$", r"\1log stdout format raw \2"),
    ):
        config, found = re.subn(pattern, here, config)
        if found != 1:
            raise AssertionError(f"{DEPLOY_HAPROXY} should have exactly one line matching {pattern!r}")
    if os.geteuid() != 0:  # only root can change user
        config = re.sub(r"(?m)^\s*(user|group) haproxy\n", "", config)
    servers = list(re.finditer(r"(?m)^(\s*)server \S+ \S+\n", config))
    if not servers:
        raise AssertionError(f"{DEPLOY_HAPROXY} should list its replicas as `server` lines")
    indent = servers[0].group(1)
    lines = "".join(f"{indent}server {name} {address}\n" for name, address in replicas.items())
    return config[: servers[0].start()] + lines + config[servers[-1].end() :]


# One line of HAProxy's `option httplog`: frontend, backend/server, timers, status, ..., the captured
# X-Request-ID in braces. <NOSRV> when HAProxy answered itself (a rate limit, a body too large).
HAPROXY_LOG_LINE = re.compile(r" (\S+) (\S+)/(\S+) \S+ (\d{3}) .*?\{([^}]*)\} \"")


class HAProxy:
    """HAProxy with the deployed configuration, in a directory of its own, in the foreground."""

    def __init__(self, replicas: dict[str, str], *, unlimited: Sequence[str] = ()):
        binary = haproxy_bin()
        if binary is None:
            raise RuntimeError("HAProxy is not installed")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="faqbot-haproxy-"))
        self.config = self.root / "haproxy.cfg"
        self.config.write_text(
            render_haproxy_config(self.root, listen=self.port, replicas=replicas, unlimited=unlimited)
        )
        self.log = self.root / "haproxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        check = subprocess.run([self.binary, "-c", "-f", str(self.config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"HAProxy refused the configuration:\n{check.stdout}{check.stderr}")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [self.binary, "-db", "-f", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        wait_listening(self.process, self.port, "HAProxy", self.log)

    def command(self, line: str) -> str:
        """One command of HAProxy's runtime API (its stats socket), and its answer."""
        with socket.socket(socket.AF_UNIX) as api:
            api.settimeout(5)
            api.connect(str(self.root / "haproxy.sock"))
            api.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := api.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self, backend: str = "faqbot") -> dict[str, str]:
        """Server name -> its state as the health checks see it: UP, DOWN, "DOWN 1/2", MAINT..."""
        rows = [line.split(",") for line in self.command("show stat").splitlines() if line and line[0] != "#"]
        return {r[1]: r[17] for r in rows if len(r) > 17 and r[0] == backend and r[1] not in ("FRONTEND", "BACKEND")}

    def wait_state(self, server: str, state: str, timeout: float = 30) -> float:
        """Wait until `server` is `state` (UP or DOWN); the seconds it took."""
        began = time.monotonic()
        while (now := self.states().get(server)) != state:
            if time.monotonic() - began > timeout:
                raise AssertionError(f"HAProxy did not see {server} {state} in {timeout} s (it is {now})")
            time.sleep(0.05)
        return time.monotonic() - began

    def served_by(self) -> dict[str, tuple[str, int]]:
        """X-Request-ID -> (the server that answered it, or <NOSRV>; the status), from the log."""
        out = {}
        for line in self.log.read_text(errors="replace").splitlines():
            found = HAPROXY_LOG_LINE.search(line)
            if found and found.group(5):
                out[found.group(5)] = (found.group(3), int(found.group(4)))
        return out

    def remove(self) -> None:
        stop_gracefully(self.process, signal.SIGUSR1)  # HAProxy's soft stop
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def haproxy(replicas: dict[str, str], *, unlimited: Sequence[str] = ()) -> Iterator[HAProxy]:
    proxy = HAProxy(replicas, unlimited=unlimited)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.remove()


class Replica:
    """`faqbot serve` on a fixed port (the proxy's configuration names it), to kill and start again."""

    def __init__(self, number: int, env: dict[str, str], logs: Path):
        self.number = number
        self.port = free_port()
        self.env = {**env, "FAQBOT_PORT": str(self.port)}
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        self.starts += 1
        log = (self.logs / f"replica-{self.number}-{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "faqbot", "serve"], env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"replica {self.number} did not start:\n{self.log_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def version(self) -> str | None:
        try:
            return str(httpx.get(f"{self.url}/readyz", timeout=5).json().get("index_version"))
        except (httpx.HTTPError, ValueError):
            return None

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
        }

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # graceful: the question log writes what it holds
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logs.glob(f"replica-{self.number}-*.log")))
