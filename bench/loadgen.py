"""A closed-loop HTTP load generator (its own process): N clients, each asking distinct questions.

Questions are made distinct as bench/wrk_ask.lua makes them (a request number, starting at FIRST,
written after the question in invisible characters; each client is a thread there), so both ask
the same questions.
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


# Unicode format characters (category Cf): the model's tokenizer drops them, so a variant costs
# exactly what the reader's question costs, while the answer cache's key keeps them and sees a new
# question. (Varying the letters' case no longer does: the cache ignores case for an uncased model.)
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061"
MARK_LENGTH = 5  # digits: 8**5 = 32,768 variants of each question


def vary(question: str, number: int) -> str:
    """`question` followed by `number` in base 8, one invisible character a digit."""
    digits = []
    for _ in range(MARK_LENGTH):
        number, digit = divmod(number, len(INVISIBLE))
        digits.append(INVISIBLE[digit])
    return question + "".join(digits)


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
                    question = vary(question, first + n // len(QUESTIONS) * concurrency + number)
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
