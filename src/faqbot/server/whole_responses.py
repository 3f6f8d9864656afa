"""One write per response, so that a replica stopped mid-response leaves its proxy nothing, not half.

uvicorn writes a response's status line and headers (`http.response.start`) and its body
(`http.response.body`) with two `transport.write` calls, back to back in one step of the event loop.
Each is a `send` system call, and between the two the process can wait for the GIL or a core: 53 ms
was seen with three replicas and a load test on 2 cores. A replica killed in that gap (SIGKILL, the
OOM killer) leaves its proxy a 200 without a body, which no proxy may ask another replica again, as
the reader has the headers already: a lost answer. Written as one, a response is either wholly in
the kernel's socket buffer, which the kernel still delivers after the process is gone, or not sent
at all, and then the proxy asks another replica (deploy/haproxy, deploy/nginx: retry on an empty
response). Cost: one `call_soon` a response, about a microsecond.
"""

from __future__ import annotations

import asyncio
from typing import Any


class WholeWrites:
    """An asyncio transport whose writes within one step of the event loop go out as one write.

    Everything but writing is the wrapped transport's (flow control stays the real transport's: it
    pauses its protocol when its own buffer is full, which deferring a write by one step cannot
    change by more than that step's bytes).
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

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
