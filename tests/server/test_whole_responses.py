"""A response goes out in one write: a process killed between sending a response's headers and its
body leaves the client nothing (which a proxy may ask another replica again), not a 200 without a
body (which it may not). Through real uvicorn servers, in processes of their own."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from faqbot.server.whole_responses import WholeWrites
from tests.services import free_port

# An app that sends its headers, stalls as a loaded replica's event loop can (a blocking pause: no
# other task runs), sends its body, and, when asked to, dies in the stall.
SERVER = textwrap.dedent(
    """
    import os, signal, sys, time
    import uvicorn
    from faqbot.server.whole_responses import whole_response_protocol

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        time.sleep(0.3)
        if scope["path"] == "/die":
            os.kill(os.getpid(), signal.SIGKILL)
        await send({"type": "http.response.body", "body": b"hello"})

    whole = sys.argv[2] == "whole"
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                http=whole_response_protocol() if whole else "auto")
    """
)


def serve(tmp_path: Path, how: str) -> tuple[subprocess.Popen[bytes], int]:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    port = free_port()
    process = subprocess.Popen([sys.executable, str(script), str(port), how])
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)


def request(port: int, path: str) -> list[tuple[float, bytes]]:
    """What arrives, chunk by chunk, with the seconds since the request was sent, until the server
    closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        sent = time.monotonic()
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append((time.monotonic() - sent, chunk))
        return chunks


@pytest.mark.parametrize("how", ["whole", "uvicorn"])
def test_a_killed_server_sends_nothing_rather_than_headers_alone(tmp_path: Path, how: str) -> None:
    process, port = serve(tmp_path, how)
    try:
        received = b"".join(chunk for _, chunk in request(port, "/die"))
    finally:
        process.kill()
        process.wait()
    if how == "whole":
        assert received == b""
    else:  # the reason for WholeWrites: uvicorn alone has sent the headers of an answer that never comes
        assert received.startswith(b"HTTP/1.1 200 OK") and received.endswith(b"\r\n\r\n")


def test_a_response_arrives_in_one_piece(tmp_path: Path) -> None:
    process, port = serve(tmp_path, "whole")
    try:
        chunks = request(port, "/")
    finally:
        process.kill()
        process.wait()
    first_at, first = chunks[0]
    assert first.startswith(b"HTTP/1.1 200 OK") and first.endswith(b"\r\n\r\nhello") and first_at >= 0.3


def test_a_head_waits_for_its_body_and_nothing_else_waits() -> None:
    class Transport:
        def __init__(self) -> None:
            self.writes: list[bytes] = []
            self.closed = False

        def write(self, data: bytes) -> None:
            self.writes.append(data)

        def is_closing(self) -> bool:
            return self.closed

        def get_write_buffer_size(self) -> int:
            return 0

        def close(self) -> None:
            self.closed = True

        def get_extra_info(self, name: str) -> str:
            return f"info {name}"

    head = b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n"

    async def steps() -> tuple[list[list[bytes]], int, str]:
        real = Transport()
        whole = WholeWrites(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        seen = []
        whole.write(head)
        pending = whole.get_write_buffer_size()
        seen.append(list(real.writes))  # the head is held
        whole.writelines([bytearray(b"bo"), b"dy"])
        seen.append(list(real.writes))  # the body's first bytes took it along; the rest went straight
        whole.write(head)  # a response with no body in this step: its head goes at the step's end
        await asyncio.sleep(0)
        seen.append(list(real.writes))
        whole.write(head)
        whole.close()  # what is held goes out before the connection closes
        seen.append(list(real.writes))
        return seen, pending, whole.get_extra_info("peername")

    seen, pending, info = asyncio.run(steps())
    assert seen[0] == [] and pending == len(head)
    assert seen[1] == [head + b"bo", b"dy"]
    assert seen[2] == [head + b"bo", b"dy", head]
    assert seen[3] == [head + b"bo", b"dy", head, head]
    assert info == "info peername"
