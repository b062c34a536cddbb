"""Transient provider faults and rate limits: retry with backoff, and pace requests.

Retried: HTTP 429 and 5xx, timeouts and connection resets. The wait is exponential with full
jitter (``retry_initial_delay`` doubling up to ``retry_max_delay``), except that a
``Retry-After`` from the provider is honoured: the request is not sent again sooner, and if
the provider asks for more than ``retry_max_delay`` the fault is reported instead.

These retries are separate from instructor's validation re-asks; ``meta`` counts both.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

R = TypeVar("R")

attempts_log: ContextVar[list[float] | None] = ContextVar("summarizer_transient_waits", default=None)
"""Per request: the seconds waited before each transient retry (set by the engine)."""


def status_of(e: BaseException) -> int | None:
    status = getattr(e, "status_code", None)
    return status if isinstance(status, int) else None


def is_transient(e: BaseException) -> bool:
    """429, 5xx, timeouts and connection failures."""
    import httpx
    import openai

    status = status_of(e)
    if status is not None and (status == 429 or status >= 500 or status == 408):
        return True
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(
            seen,
            (
                openai.APIConnectionError,
                openai.APITimeoutError,
                httpx.TransportError,
                TimeoutError,
                ConnectionError,
            ),
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection error" in str(e) or "Timeout" in type(e).__name__


def retry_after(e: BaseException) -> float | None:
    """Seconds the provider asked us to wait, from Retry-After (seconds or a date) or retry-after-ms."""
    headers: Any = getattr(e, "litellm_response_headers", None) or getattr(
        getattr(e, "response", None), "headers", None
    )
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


class _Wait:
    def __init__(self, initial: float, cap: float):
        self.initial = initial
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error) if error is not None else None
        if asked is not None:
            wait = asked
        else:
            wait = random.uniform(0, min(self.cap, self.initial * 2 ** (state.attempt_number - 1)))
        log = attempts_log.get()
        if log is not None:
            log.append(round(wait, 3))
        return wait


def _retryable(cap: float) -> Callable[[BaseException], bool]:
    def check(e: BaseException) -> bool:
        asked = retry_after(e)
        return is_transient(e) and (asked is None or asked <= cap)

    return check


def _policy(retries: int, initial: float, cap: float) -> dict[str, Any]:
    return {
        "stop": stop_after_attempt(retries + 1),
        "retry": retry_if_exception(_retryable(cap)),
        "wait": _Wait(initial, cap),
        "reraise": True,
    }


class RateLimiter:
    """Requests and tokens per minute over a sliding 60-second window, shared by every task.

    0 means no limit. A request larger than the whole token budget waits for an empty window.
    """

    def __init__(self, requests_per_minute: int = 0, tokens_per_minute: int = 0):
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self._sent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self.rpm or self.tpm)

    def _reserve(self, tokens: int) -> float:
        """Record the request and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = time.monotonic()
            while self._sent and now - self._sent[0][0] >= 60:
                self._sent.popleft()
            used = sum(t for _, t in self._sent)
            over_requests = self.rpm and len(self._sent) >= self.rpm
            over_tokens = self.tpm and self._sent and used + tokens > self.tpm
            if not over_requests and not over_tokens:
                self._sent.append((now, tokens))
                return 0.0
            return max(60 - (now - self._sent[0][0]), 0.01)

    def wait(self, tokens: int) -> None:
        while self.active and (delay := self._reserve(tokens)):
            time.sleep(delay)

    async def await_turn(self, tokens: int) -> None:
        while self.active and (delay := self._reserve(tokens)):
            await asyncio.sleep(delay)


def with_retries(
    func: Callable[..., R],
    retries: int,
    initial: float,
    cap: float,
    limiter: RateLimiter,
    tokens: Callable[[dict[str, Any]], int],
) -> Callable[..., R]:
    """``func`` paced by ``limiter`` and retried on transient faults."""

    def call(*args: Any, **kwargs: Any) -> R:
        for attempt in Retrying(**_policy(retries, initial, cap)):
            with attempt:
                limiter.wait(tokens(kwargs))
                return func(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    return call


def with_async_retries(
    func: Callable[..., Awaitable[R]],
    retries: int,
    initial: float,
    cap: float,
    limiter: RateLimiter,
    tokens: Callable[[dict[str, Any]], int],
) -> Callable[..., Awaitable[R]]:
    """Async twin of :func:`with_retries`."""

    async def call(*args: Any, **kwargs: Any) -> R:
        async for attempt in AsyncRetrying(**_policy(retries, initial, cap)):
            with attempt:
                await limiter.await_turn(tokens(kwargs))
                return await func(*args, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    return call
