"""A closed-loop HTTP load generator (its own process): N clients, each asking distinct questions.

Questions are made distinct as bench/wrk_ask.lua makes them (the case of their letters, from a
request number starting at FIRST; each client is a thread there), so both ask the same questions.
Prints one JSON line: requests, errors, throughput, p50 and p99 latency.
Run: python bench/loadgen.py URL CONCURRENCY SECONDS FIRST|--repeat
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

QUESTIONS = [line for line in (Path(__file__).parent / "questions.txt").read_text().splitlines() if line]


def vary_case(question: str, number: int) -> str:
    """`question` with letter i upper-case when bit i of `number` is set, lower-case otherwise."""
    out, bit = [], 0
    for c in question:
        if c.isascii() and c.isalpha():
            c = c.upper() if number >> bit & 1 else c.lower()
            bit += 1
        out.append(c)
    return "".join(out)


async def main(url: str, concurrency: int, seconds: float, first: int | None) -> None:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker(number: int) -> None:
            nonlocal errors
            n = 0
            while time.monotonic() < stop:
                question = QUESTIONS[n % len(QUESTIONS)]
                if first is not None:  # distinct questions measure answering, not a cache
                    question = vary_case(question, first + n // len(QUESTIONS) * concurrency + number)
                started = time.perf_counter()
                try:
                    response = await client.post(f"{url}/api/ask", json={"question": question})
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
                n += 1

        began = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.monotonic() - began
    latencies.sort()
    print(
        json.dumps(
            {
                "concurrency": concurrency,
                "loadgen": "python",
                "requests": len(latencies),
                "errors": errors,
                "rps": round(len(latencies) / elapsed, 1),
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 2),
            }
        )
    )


if __name__ == "__main__":
    mode = sys.argv[4] if len(sys.argv) > 4 else "0"
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), None if mode == "--repeat" else int(mode)))
