"""Provider batch APIs: submit a file of requests, poll it, download its answers.

With :mod:`summarizer.engine`, the only module that talks to providers. One class per API, each
with the same methods (:class:`BatchAPI`), so the route (:mod:`summarizer.provider_batch`) never
asks which provider it has:

- OpenAI's Files and Batches, through litellm's batch functions (``create_file``,
  ``create_batch``, ``retrieve_batch``, ``file_content``, ``list_batches``): they take the
  configured key and base URL, and the batch they return names the error file, where OpenAI
  puts the requests that failed or expired.
- Anthropic's Message Batches, through instructor's ``BatchProcessor`` (litellm can read such a
  batch but not create one). Its client takes its key and base URL from ``ANTHROPIC_API_KEY``
  and ``ANTHROPIC_BASE_URL`` only, so those are set for the length of each call.

Each request is the one the direct route sends, as litellm would put it on the wire (its
parameter mapping for OpenAI, its Messages transformation for Anthropic), and each answer comes
back as an OpenAI chat completion (Anthropic's through litellm's own transformation, as the
direct route receives it), so the engine parses a batch answer exactly as a direct one.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from summarizer.errors import ConfigError, ProviderError

if TYPE_CHECKING:
    from summarizer.config import Settings
    from summarizer.engine import Target

DIRECT = "use --via direct (one request at a time, at the direct price)"


@dataclass(frozen=True)
class JobStatus:
    """Where a provider batch stands."""

    id: str
    state: Literal["in_progress", "ended"]  # ended: its answers can be downloaded
    status: str  # the provider's own word: "validating", "in_progress", "completed", "ended", ...
    total: int
    succeeded: int
    failed: int  # errored, expired or cancelled
    detail: str | None = None  # why a batch failed as a whole


@dataclass(frozen=True)
class Answer:
    """One request's outcome: an OpenAI chat completion, or why there is none."""

    custom_id: str
    completion: dict[str, Any] | None
    error: str | None = None


class BatchAPI(Protocol):
    """One provider's batch API."""

    provider: str
    max_requests: int  # in one batch
    max_bytes: int  # of one batch's requests, as sent

    def line(self, custom_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` (OpenAI's chat format, as instructor makes it) as a line of this API's batch."""
        ...

    def check(self) -> None:
        """Raise ConfigError if the endpoint has no batch API."""
        ...

    def submit(self, lines: bytes, count: int, token: str) -> str:
        """Create a batch of ``count`` requests (JSON lines); return its id. ``token`` marks it, so
        that :meth:`find` can tell whether an interrupted submission went through."""
        ...

    def find(self, token: str, count: int, since: float) -> str | None:
        """The id of the batch submitted with ``token`` (of ``count`` requests, after the Unix time
        ``since``), if there is one."""
        ...

    def status(self, job_id: str) -> JobStatus: ...

    def answers(self, job_id: str) -> list[Answer]:
        """Every answer of an ended batch that the provider returns."""
        ...


def refuse_unbatchable(settings: Settings) -> None:
    """Raise ConfigError, naming ``--via direct``, for a model whose provider cannot batch.

    Decided from the settings alone: the embedded model is not loaded, no key is needed.
    """
    if settings.is_embedded:
        raise ConfigError(
            "the embedded model cannot take a provider batch: "
            + DIRECT
            + "; a self-hosted model at scale: see vLLM's run_batch in the README"
        )
    from summarizer.engine import _litellm

    try:
        _, provider, _, _ = _litellm().get_llm_provider(settings.model, api_base=settings.api_base)
    except Exception:  # an unknown model is reported by the engine, with its own message
        return
    if provider not in ("openai", "anthropic"):
        raise ConfigError(
            f"{provider} has no batch API that summarizer can use (only OpenAI's and Anthropic's): "
            + DIRECT
            + ("; a self-hosted model at scale: see vLLM's run_batch in the README" * bool(settings.api_base))
        )


def for_target(settings: Settings, target: Target) -> BatchAPI:
    """The batch API of the configured provider."""
    if target.provider == "anthropic":
        return AnthropicBatches(target, settings)
    if target.provider == "openai":
        return OpenAIBatches(target, settings)
    raise ConfigError(f"{target.provider} has no batch API that summarizer can use: {DIRECT}")


# --- OpenAI, through litellm -------------------------------------------------------------------


OPENAI_ENDED = ("completed", "expired", "cancelled", "failed")
"""An OpenAI batch in one of these states takes no more answers: those it has can be downloaded."""

ANTHROPIC_COUNTS = ("processing", "succeeded", "errored", "canceled", "expired")


class OpenAIBatches:
    """OpenAI's Files and Batches API (or a server that implements it at ``api_base``)."""

    provider = "openai"
    max_requests = 50_000
    max_bytes = 190_000_000  # OpenAI takes files of up to 200 MB

    def __init__(self, target: Target, settings: Settings) -> None:
        self.target = target
        self._retrying = _retrying(settings)
        self._auth: dict[str, Any] = {
            "custom_llm_provider": "openai",
            "api_key": target.api_key,
            "api_base": target.api_base,
            "timeout": settings.timeout,
            "max_retries": 0,  # a control call is retried by the caller, and a submission never
        }

    def line(self, custom_id: str, request: dict[str, Any]) -> dict[str, Any]:
        from litellm.utils import get_optional_params

        model, messages = request["model"], request["messages"]
        params = {k: v for k, v in request.items() if k not in ("model", "messages")}
        body = dict(get_optional_params(model=model, **copy.deepcopy(params), **_provider("openai")))
        extra = body.pop("extra_body", None) or {}  # the SDK sends these as body fields
        if body.get("stream") is False:  # and leaves out a stream it was not asked for
            del body["stream"]
        body = {"model": model, "messages": messages, **body, **extra}
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}

    def check(self) -> None:
        if not self.target.api_base:
            return
        litellm = _litellm()
        try:
            with _errors("openai", "list batches"):
                self._retrying(litellm.list_batches)(limit=1, **self._auth)
        except ProviderError as e:
            if e.status in (404, 405, 501):
                raise ConfigError(
                    f"the server at {self.target.api_base} has no OpenAI batch API"
                    f" (HTTP {e.status} on /batches): {DIRECT}; for a vLLM server, see vLLM's"
                    " run_batch in the README"
                ) from e
            raise

    def submit(self, lines: bytes, count: int, token: str) -> str:
        litellm = _litellm()
        with _errors("openai", "submit a batch"):
            file = litellm.create_file(file=("requests.jsonl", lines), purpose="batch", **self._auth)
            batch = litellm.create_batch(
                completion_window="24h",
                endpoint="/v1/chat/completions",
                input_file_id=file.id,
                metadata={"summarizer": token},
                **self._auth,
            )
        return str(batch.id)

    def find(self, token: str, count: int, since: float) -> str | None:
        litellm = _litellm()
        with _errors("openai", "list batches"):
            page = self._retrying(litellm.list_batches)(limit=100, **self._auth)
        for batch in page.data:
            if (batch.metadata or {}).get("summarizer") == token:
                return str(batch.id)
        return None

    def status(self, job_id: str) -> JobStatus:
        batch = self._retrieve(job_id)
        counts = batch.request_counts
        errors = getattr(batch.errors, "data", None) or []
        return JobStatus(
            id=job_id,
            state="ended" if batch.status in OPENAI_ENDED else "in_progress",
            status=str(batch.status),
            total=int(getattr(counts, "total", 0) or 0),
            succeeded=int(getattr(counts, "completed", 0) or 0),
            failed=int(getattr(counts, "failed", 0) or 0),
            detail="; ".join(str(getattr(e, "message", e)) for e in errors) or None,
        )

    def answers(self, job_id: str) -> list[Answer]:
        litellm = _litellm()
        batch = self._retrieve(job_id)
        answers = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            with _errors("openai", "download a batch's answers"):
                content = self._retrying(litellm.file_content)(file_id=file_id, **self._auth).content
            for line in content.decode("utf-8").splitlines():
                if line.strip():
                    answers.append(_openai_answer(json.loads(line)))
        return answers

    def _retrieve(self, job_id: str) -> Any:
        litellm = _litellm()
        with _errors("openai", f"read batch {job_id}"):
            return self._retrying(litellm.retrieve_batch)(job_id, **self._auth)


def _openai_answer(row: dict[str, Any]) -> Answer:
    custom_id = str(row.get("custom_id"))
    response = row.get("response") or {}
    if response.get("status_code") == 200:
        return Answer(custom_id, response["body"])
    error = row.get("error") or (response.get("body") or {}).get("error") or {}
    code = error.get("code") or error.get("type") or f"HTTP {response.get('status_code')}"
    return Answer(custom_id, None, f"{code}: {error.get('message') or 'no answer'}")


# --- Anthropic, through instructor's BatchProcessor --------------------------------------------


class AnthropicBatches:
    """Anthropic's Message Batches API."""

    provider = "anthropic"
    max_requests = 100_000
    max_bytes = 250_000_000  # Anthropic takes batches of up to 256 MB

    def __init__(self, target: Target, settings: Settings) -> None:
        self.target = target
        self._retrying = _retrying(settings)
        env: dict[str, str] = {}
        if target.api_key:
            env["ANTHROPIC_API_KEY"] = target.api_key
        if target.api_base:
            env["ANTHROPIC_BASE_URL"] = target.api_base
        self._env = env

    def _processor(self) -> Any:
        from instructor.batch import BatchProcessor
        from pydantic import BaseModel

        # Its response model parses answers; ours are parsed by the engine, with the checks.
        return BatchProcessor(f"anthropic/{self.target.model_name}", BaseModel)

    def line(self, custom_id: str, request: dict[str, Any]) -> dict[str, Any]:
        from litellm.llms.anthropic.chat.transformation import AnthropicConfig

        config = AnthropicConfig()
        request = copy.deepcopy(request)
        model = request.pop("model")
        messages = request.pop("messages")
        optional = config.map_openai_params(
            non_default_params=request, optional_params={}, model=model, drop_params=True
        )
        params = config.transform_request(
            model=model, messages=messages, optional_params=optional, litellm_params={}, headers={}
        )
        return {"custom_id": custom_id, "params": params}

    def check(self) -> None:
        return None  # Anthropic's API, or a proxy of it: the submission says if it is not

    def submit(self, lines: bytes, count: int, token: str) -> str:
        # Message Batches carry no metadata: ``find`` goes by count and time instead of ``token``.
        with self._call("submit a batch"):
            return str(_unwrapped(self._processor().submit_batch)(io.BytesIO(lines), metadata={}))

    def find(self, token: str, count: int, since: float) -> str | None:
        with self._call("list batches"):
            batches = self._retrying(_unwrapped(self._processor().list_batches))(limit=20)
        for batch in batches:
            created = batch.timestamps.created_at
            if (
                created is not None
                and created.timestamp() >= since - 5
                and batch.request_counts.total == count
            ):
                return str(batch.id)
        return None

    def status(self, job_id: str) -> JobStatus:
        with self._call(f"read batch {job_id}"):
            info = self._retrying(_unwrapped(self._processor().get_batch_status))(job_id)
        counts = info.get("request_counts")
        done = {k: int(getattr(counts, k, 0) or 0) for k in ANTHROPIC_COUNTS}
        return JobStatus(
            id=job_id,
            state="ended" if info.get("status") == "ended" else "in_progress",
            status=str(info.get("status")),
            total=sum(done.values()),
            succeeded=done["succeeded"],
            failed=done["errored"] + done["canceled"] + done["expired"],
        )

    def answers(self, job_id: str) -> list[Answer]:
        status = self.status(job_id)
        if status.failed and not status.succeeded:
            # instructor refuses to read a batch whose every request failed; their reasons are
            # then those the status gives.
            return []
        with self._call(f"download batch {job_id}'s answers"):
            text = self._retrying(_unwrapped(self._processor().provider.retrieve_results))(job_id)
        return [_anthropic_answer(json.loads(line)) for line in text.splitlines() if line.strip()]

    @contextlib.contextmanager
    def _call(self, what: str) -> Iterator[None]:
        with _environment(self._env), _errors("anthropic", what):
            yield


def _anthropic_answer(row: dict[str, Any]) -> Answer:
    import httpx
    from litellm.llms.anthropic.chat.transformation import AnthropicConfig

    custom_id = str(row.get("custom_id"))
    result = row.get("result") or {}
    kind = result.get("type")
    if kind == "succeeded":
        message = result["message"]
        response = AnthropicConfig().transform_parsed_response(
            completion_response=message,
            raw_response=httpx.Response(200, json=message),
            model_response=_litellm().ModelResponse(),
        )
        return Answer(custom_id, json.loads(response.model_dump_json()))
    if kind == "errored":
        error = (result.get("error") or {}).get("error") or result.get("error") or {}
        return Answer(custom_id, None, f"{error.get('type', 'error')}: {error.get('message', 'no answer')}")
    if kind == "expired":
        return Answer(custom_id, None, "expired: the batch's 24 hours ran out before it was answered")
    return Answer(custom_id, None, f"{kind}: no answer")


_ENV_LOCK = threading.Lock()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the environment for the length of the block, then put back as they were."""
    with _ENV_LOCK:
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@contextlib.contextmanager
def _errors(provider: str, what: str) -> Iterator[None]:
    """Map a failed call onto ProviderError, with its HTTP status where there is one."""
    try:
        yield
    except (ConfigError, ProviderError):
        raise
    except Exception as e:
        status = _status(e)
        detail = " ".join(str(_root(e)).split())[:300]
        where = f"HTTP {status}" if status is not None else "no answer"
        message = f"{provider}: cannot {what} ({where}): {detail}"
        raise ProviderError(message, provider=provider, status=status) from e


def _status(e: BaseException) -> int | None:
    seen: BaseException | None = e
    while seen is not None:
        status = getattr(seen, "status_code", None)
        if isinstance(status, int):
            return status
        seen = seen.__cause__ or seen.__context__
    return None


def _root(e: BaseException) -> BaseException:
    while e.__cause__ is not None:
        e = e.__cause__
    return e


def _provider(name: str) -> dict[str, Any]:
    return {"custom_llm_provider": name}


def _litellm() -> Any:
    from summarizer.engine import _litellm

    return _litellm()


R = TypeVar("R")


def _retrying(settings: Settings) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Retry a control call (never a submission) on transient faults, as model calls are."""
    from summarizer.transient import RateLimiter, with_retries

    def wrap(func: Callable[..., R]) -> Callable[..., R]:
        return with_retries(
            func,
            settings.transient_retries,
            settings.retry_initial_delay,
            settings.retry_max_delay,
            RateLimiter(),
            lambda kwargs: 0,
        )

    return wrap


def _unwrapped(func: Callable[..., R]) -> Callable[..., R]:
    """``func``, raising the SDK's error that instructor wraps in a plain Exception (whose status
    and kind tell a transient fault from a lasting one)."""

    def call(*args: Any, **kwargs: Any) -> R:
        try:
            return func(*args, **kwargs)
        except Exception as e:
            root = _root(e)
            if root is e:
                raise
            raise root from e

    return call
