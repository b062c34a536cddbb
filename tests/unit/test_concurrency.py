"""map_bounded: the one loop behind the batch, the evaluation and the service's batch route."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import aclosing

import pytest

from summarizer._concurrency import map_bounded


class Calls:
    """A function to map that sleeps ``n`` hundredths of a second, and counts what it sees."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.cancelled: list[int] = []

    async def __call__(self, n: int) -> int:
        self.started.append(n)
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(n / 100)
        except asyncio.CancelledError:
            self.cancelled.append(n)
            raise
        finally:
            self.running -= 1
        return n


async def test_at_most_limit_at_once_and_each_result_as_it_finishes() -> None:
    calls = Calls()
    results = [r async for r in map_bounded(calls, [30, 10, 5, 1], limit=2)]
    assert calls.most == 2
    assert results == [10, 5, 1, 30]  # 30 runs all along while the others take the second slot


async def test_items_are_taken_only_when_a_slot_is_free() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for n in [5, 5, 5, 5]:
            taken.append(n)
            yield n

    async with aclosing(map_bounded(Calls(), items(), limit=2)) as results:
        await anext(results)
        assert len(taken) == 2


async def test_skip_answers_for_an_item_instead_of_running_it() -> None:
    calls = Calls()
    seen: list[tuple[int, int]] = []

    def skip(n: int, running: int) -> int | None:
        seen.append((n, running))
        return -n if n == 2 else None

    results = [r async for r in map_bounded(calls, [3, 2, 4], limit=3, skip=skip)]
    assert calls.started == [3, 4]
    assert sorted(results) == [-2, 3, 4]
    assert seen == [(3, 0), (2, 1), (4, 1)]  # asked with the number of calls running


async def test_once_stop_is_set_no_more_items_start() -> None:
    calls = Calls()
    stop = asyncio.Event()
    results = []
    async for r in map_bounded(calls, [1, 50, 60, 70], limit=2, stop=stop):
        results.append(r)
        stop.set()
    assert calls.started == [1, 50]
    assert results == [1, 50]  # the one in flight finishes; those left are never yielded


async def test_leaving_early_cancels_the_calls_still_running() -> None:
    calls = Calls()
    async with aclosing(map_bounded(calls, [1, 500, 600], limit=3)) as results:
        async for _ in results:
            break
    assert sorted(calls.cancelled) == [500, 600]
    assert calls.running == 0


async def test_cancelling_the_consumer_cancels_the_calls_still_running() -> None:
    calls = Calls()

    async def consume() -> list[int]:
        async with aclosing(map_bounded(calls, [500, 600], limit=2)) as results:
            return [r async for r in results]

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(calls.cancelled) == [500, 600]


async def test_an_error_is_raised_and_the_other_calls_are_cancelled() -> None:
    calls = Calls()

    async def fail_on_one(n: int) -> int:
        if n == 1:
            raise ValueError("one")
        return await calls(n)

    with pytest.raises(ValueError, match="one"):
        async with aclosing(map_bounded(fail_on_one, [500, 1], limit=2)) as results:
            async for _ in results:
                pass
    assert calls.cancelled == [500]
