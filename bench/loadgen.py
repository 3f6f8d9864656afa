"""A closed-loop HTTP load generator (its own process): N clients, each asking distinct questions.

Prints one JSON line: requests, errors, throughput, p50 and p99 latency.
Run: python bench/loadgen.py URL CONCURRENCY SECONDS [--repeat]
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


async def main(url: str, concurrency: int, seconds: float, repeat: bool) -> None:
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
                if not repeat:  # distinct questions measure answering, not a cache
                    question += f" (request {number}-{n})"
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
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), "--repeat" in sys.argv))
