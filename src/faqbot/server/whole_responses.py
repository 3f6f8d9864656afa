"""A response's head and body in one write, so that a replica stopped mid-response leaves its proxy
nothing rather than the headers of an answer that never comes.

uvicorn writes a response's status line and headers (`http.response.start`) and its body
(`http.response.body`) with two `transport.write` calls, back to back in one step of the event loop.
Each is a `send` system call, and between the two the process can wait for the GIL or a core: 53 ms
was seen with three replicas and a load test on 2 cores. A replica killed in that gap (SIGKILL, the
OOM killer) leaves its proxy a 200 without a body, which no proxy may ask another replica again, as
the reader has the headers already: a lost answer. Written as one (faqbot's answers are one body
message; a streamed body's later chunks go as they come), a response is either wholly in
the kernel's socket buffer, which the kernel still delivers after the process is gone, or not sent
at all, and then the proxy asks another replica (deploy/haproxy, deploy/nginx: retry on an empty
response). Cost: one `call_soon` and one join of two byte strings a response, a few microseconds.
"""

from __future__ import annotations

import asyncio
from typing import Any


class WholeWrites:
    """An asyncio transport that holds a response's head (status line and headers) until the first
    bytes of its body, and writes the two as one.

    A head is held at most until the end of the event loop's step (a response with no body in the
    same step: its head goes alone then). Every other write goes straight through, so nothing the
    app does after sending its body (the request's log line, its metrics) delays the reader.
    Everything but writing is the wrapped transport's, flow control included.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        data = bytes(data)
        if self._pending:  # the held head, and now its body: both in one write
            self._pending.append(data)
            self._flush()
        elif data.startswith(b"HTTP/") and data.endswith(b"\r\n\r\n"):
            self._pending.append(data)
            self._loop.call_soon(self._flush)
        elif data:
            self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(d) for d in self._pending)

    def close(self) -> None:
        self._flush()  # what the response wrote goes out before the connection closes
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def whole_response_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol (httptools, else h11, as its `http="auto"` picks), writing each
    response whole: pass as `uvicorn.run(..., http=whole_response_protocol())`."""
    base: type[Any]
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:  # httptools is optional; h11 always comes with uvicorn
        from uvicorn.protocols.http.h11_impl import H11Protocol as base

    class WholeResponses(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(WholeWrites(transport, asyncio.get_running_loop()))

    return WholeResponses
