"""A request body read whole and handed on: what the size limit and the /api/ask fast path share."""

from __future__ import annotations

from typing import overload

from starlette.types import Message, Receive


@overload
async def read_body(receive: Receive, limit: None = None) -> list[Message]: ...


@overload
async def read_body(receive: Receive, limit: int) -> list[Message] | None: ...


async def read_body(receive: Receive, limit: int | None = None) -> list[Message] | None:
    """Every message of the request body, or None as soon as the body grows past `limit` bytes."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if limit is not None and size > limit:
            return None
        if message["type"] != "http.request" or not message.get("more_body"):
            return messages


def body_of(messages: list[Message]) -> bytes:
    return b"".join(message.get("body", b"") for message in messages)


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives the read messages again, then whatever the server sends next."""
    pending = list(messages)

    async def again() -> Message:
        return pending.pop(0) if pending else await receive()

    return again
