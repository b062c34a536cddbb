from __future__ import annotations

import httpx
import openai
import pytest

from summarizer._transient import RateLimiter, is_transient, retry_after


def _status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("boom", response=response, body=None)


@pytest.mark.parametrize(
    ("status", "transient"), [(429, True), (500, True), (503, True), (400, False), (401, False)]
)
def test_which_statuses_are_retried(status: int, transient: bool) -> None:
    assert is_transient(_status_error(status)) is transient


def test_connection_failures_are_retried() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/")
    assert is_transient(openai.APIConnectionError(request=request))
    assert not is_transient(ValueError("bad schema"))


def test_retry_after_in_seconds_milliseconds_or_a_date() -> None:
    assert retry_after(_status_error(429, {"retry-after": "7"})) == 7.0
    assert retry_after(_status_error(429, {"retry-after-ms": "250"})) == 0.25
    assert retry_after(_status_error(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0  # past
    assert retry_after(_status_error(429)) is None


def test_rate_limiter_counts_requests_and_tokens_in_the_window() -> None:
    requests = RateLimiter(requests_per_minute=2)
    assert requests._reserve(10) == 0 and requests._reserve(10) == 0
    assert requests._reserve(10) > 0  # the third request of the minute waits
    tokens = RateLimiter(tokens_per_minute=1000)
    assert tokens._reserve(600) == 0
    assert tokens._reserve(600) > 0
    assert RateLimiter()._reserve(10**9) == 0 and not RateLimiter().active
