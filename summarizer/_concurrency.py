"""Bounded concurrency: one loop for the batch, the evaluation and the service's batch route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def map_bounded(
    func: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    limit: int,
    skip: Callable[[T, int], R | None] | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncGenerator[R, None]:
    """Run ``func`` over ``items`` with at most ``limit`` at once; yield each result as it finishes.

    An item is taken from ``items`` only when a slot is free, so a lazy iterable is read lazily.
    Leaving the iterator early, or cancelling the task that iterates it, cancels the calls still
    running (and so their provider requests). A deadline is the caller's: a ``func`` that gives up
    in time (``asyncio.wait_for``) returns its own result for that item.

    Args:
        skip: asked before each item starts, with the number of calls running; a result it returns
            is yielded at once instead of calling ``func`` (a budget that would be exceeded).
        stop: once set, no more items start; those left are never yielded.
    """
    running: set[asyncio.Future[R]] = set()
    queue = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < limit and not (stop is not None and stop.is_set()):
                try:
                    item = next(queue)
                except StopIteration:
                    exhausted = True
                    break
                skipped = skip(item, len(running)) if skip is not None else None
                if skipped is not None:
                    yield skipped
                else:
                    running.add(asyncio.ensure_future(func(item)))
            if not running:
                return
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
