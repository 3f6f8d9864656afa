"""The container image (deploy/container/Containerfile), built by scripts/container-image.sh with
podman, as a site owner would run it: `faqbot build` in a container over the site's content mounted
read-only, then `faqbot serve` in another, answering over HTTP, as an unprivileged user, and
stopping cleanly on SIGTERM (`podman stop`).

podman, runc and debootstrap come from Debian (`make test` installs them as root). Building the
image takes a few minutes the first time (a base image made with debootstrap when no registry can
be reached, then PyTorch and faqbot's dependencies), about a minute and a half after.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SITE
from tests.services import free_port, require

TAG = "localhost/faqbot:test"


def podman_options() -> tuple[list[str], list[str]]:
    """The options podman needs on this host, for podman itself and for `podman run` (found by
    scripts/container-image.sh --options)."""
    found = subprocess.run(
        [str(REPO / "scripts" / "container-image.sh"), "--options"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stderr
    global_options, _, run_options = found.stdout.strip().partition("|")
    return global_options.split(), run_options.split()


@pytest.mark.slow
def test_the_image_builds_an_index_and_answers(tmp_path: Path) -> None:
    require("podman (Debian's podman package)", shutil.which("podman"))
    if os.geteuid() != 0:
        pytest.skip("the image is built as root here (debootstrap makes its base when no registry answers)")
    built = subprocess.run(
        [str(REPO / "scripts" / "container-image.sh"), TAG], capture_output=True, text=True, check=False, timeout=1800
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    subprocess.run(["podman", "image", "prune", "-f"], capture_output=True, check=False)  # an older build's layers

    podman, limits = podman_options()
    podman = ["podman", *podman]
    indexes, state = tmp_path / "indexes", tmp_path / "state"
    for folder in (indexes, state):
        folder.mkdir()
        folder.chmod(0o777)  # the image's own user (uid 10001) writes there
    volumes = ["-v", f"{SITE}:/data:ro", "-v", f"{indexes}:/indexes", "-v", f"{state}:/state"]

    build = subprocess.run(
        [*podman, "run", "--rm", "--network", "host", *limits, *volumes, TAG, "build"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert ": the current index" in build.stdout + build.stderr
    assert (indexes / "current").is_symlink()

    name, port = f"faqbot-test-{uuid.uuid4().hex[:8]}", free_port()
    serve = [*podman, "run", "-d", "--name", name, "--network", "host", *limits, "-e", f"FAQBOT_PORT={port}"]
    started = subprocess.run([*serve, *volumes, TAG], capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, logs(podman, name)
            time.sleep(0.5)
        answer = httpx.post(f"{url}/api/ask", json={"question": "What is green AI?"}, timeout=30).json()
        assert answer["answered"] and answer["sources"], answer
        assert "energy" in answer["answer"].lower(), answer
        user = subprocess.run([*podman, "exec", name, "id", "-u"], capture_output=True, text=True, check=False)
        assert user.stdout.strip() == "10001", user
        stopped = subprocess.run([*podman, "stop", "-t", "30", name], capture_output=True, check=False)
        assert stopped.returncode == 0, stopped
        exit_code = subprocess.run(
            [*podman, "inspect", "-f", "{{.State.ExitCode}}", name], capture_output=True, text=True, check=False
        )
        # Stopped by its SIGTERM, not killed after the grace period (137): uvicorn shuts down, then
        # ends by the signal it was sent (143), as a process stopped by SIGTERM does.
        assert exit_code.stdout.strip() == "143", (exit_code.stdout, logs(podman, name))
        # The graceful stop wrote what the question log held.
        with sqlite3.connect(state / "faqbot.sqlite3") as db:
            asked = [row[0] for row in db.execute("SELECT question FROM questions")]
        assert asked == ["What is green AI?"], asked
    finally:
        subprocess.run([*podman, "rm", "-f", name], capture_output=True, check=False)


def logs(podman: list[str], name: str) -> str:
    done = subprocess.run([*podman, "logs", name], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr)[-3000:]
