"""Provider batch APIs: submit a file of requests, poll it, download its answers.

With :mod:`summarizer._engine`, the only module that talks to providers. One class per API, each
with the same methods (:class:`BatchAPI`); the model's profile (:mod:`summarizer._profiles`) says
which one, so the route (:mod:`summarizer._provider_batch`) never asks which provider it has:

- OpenAI's Files and Batches, through litellm's batch functions (``create_file``,
  ``create_batch``, ``retrieve_batch``, ``file_content``, ``list_batches``): they take the
  configured key and base URL, and the batch they return names the error file, where OpenAI
  puts the requests that failed or expired.
- Anthropic's Message Batches, through Anthropic's SDK (litellm can read such a batch but not
  create one), with the configured key and base URL (else the SDK's own variables).

Each request is the one the direct route sends, as litellm would put it on the wire (its
parameter mapping for OpenAI, its Messages transformation for Anthropic), and each answer comes
back as an OpenAI chat completion (Anthropic's through litellm's own transformation, as the
direct route receives it), so the engine parses a batch answer exactly as a direct one.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from summarizer._errors import ConfigError, ProviderError
from summarizer._litellm_loader import load_litellm
from summarizer._profiles import DIRECT, Target, profile_for

if TYPE_CHECKING:
    from summarizer._config import Settings


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
    """Raise ConfigError, naming ``--via direct``, for a model whose provider cannot batch."""
    profile_for(settings.model).refuse_batch(settings)


def for_target(settings: Settings, target: Target) -> BatchAPI:
    """The batch API of the configured provider."""
    return target.profile.batch_api(settings, target)


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
        body = dict(
            get_optional_params(
                model=model,
                **copy.deepcopy(params),
                custom_llm_provider="openai",
                drop_params=self.target.profile.drop_params,
            )
        )
        extra = body.pop("extra_body", None) or {}  # the SDK sends these as body fields
        if body.get("stream") is False:  # and leaves out a stream it was not asked for
            del body["stream"]
        body = {"model": model, "messages": messages, **body, **extra}
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}

    def check(self) -> None:
        if not self.target.api_base:
            return
        litellm = load_litellm()
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
        litellm = load_litellm()
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
        litellm = load_litellm()
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
        litellm = load_litellm()
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
        litellm = load_litellm()
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


# --- Anthropic, through its SDK -----------------------------------------------------------------


class AnthropicBatches:
    """Anthropic's Message Batches API."""

    provider = "anthropic"
    max_requests = 100_000
    max_bytes = 250_000_000  # Anthropic takes batches of up to 256 MB

    def __init__(self, target: Target, settings: Settings) -> None:
        self.target = target
        self._retrying = _retrying(settings)
        self._timeout = settings.timeout
        self._client: Any = None

    def _batches(self) -> Any:
        """The SDK's Message Batches, with the configured key and base URL (``None``: the SDK
        reads ``ANTHROPIC_API_KEY`` and ``ANTHROPIC_BASE_URL``)."""
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=self.target.api_key,
                base_url=self.target.api_base,
                timeout=self._timeout,
                max_retries=0,  # a control call is retried by the caller, and a submission never
            )
        return self._client.messages.batches

    def line(self, custom_id: str, request: dict[str, Any]) -> dict[str, Any]:
        from litellm.llms.anthropic.chat.transformation import AnthropicConfig

        config = AnthropicConfig()
        request = copy.deepcopy(request)
        model = request.pop("model")
        messages = request.pop("messages")
        optional = config.map_openai_params(
            non_default_params=request,
            optional_params={},
            model=model,
            drop_params=self.target.profile.drop_params,
        )
        params = config.transform_request(
            model=model, messages=messages, optional_params=optional, litellm_params={}, headers={}
        )
        return {"custom_id": custom_id, "params": params}

    def check(self) -> None:
        return None  # Anthropic's API, or a proxy of it: the submission says if it is not

    def submit(self, lines: bytes, count: int, token: str) -> str:
        # Message Batches carry no metadata: ``find`` goes by count and time instead of ``token``.
        requests = [json.loads(line) for line in lines.splitlines() if line.strip()]
        with _errors("anthropic", "submit a batch"):
            return str(self._batches().create(requests=requests).id)

    def find(self, token: str, count: int, since: float) -> str | None:
        with _errors("anthropic", "list batches"):
            batches = self._retrying(self._batches().list)(limit=20).data
        for batch in batches:
            created = batch.created_at
            counts = batch.request_counts
            if created.timestamp() >= since - 5 and sum(_counts(counts).values()) == count:
                return str(batch.id)
        return None

    def status(self, job_id: str) -> JobStatus:
        with _errors("anthropic", f"read batch {job_id}"):
            batch = self._retrying(self._batches().retrieve)(job_id)
        done = _counts(batch.request_counts)
        return JobStatus(
            id=job_id,
            state="ended" if batch.processing_status == "ended" else "in_progress",
            status=str(batch.processing_status),
            total=sum(done.values()),
            succeeded=done["succeeded"],
            failed=done["errored"] + done["canceled"] + done["expired"],
        )

    def answers(self, job_id: str) -> list[Answer]:
        with _errors("anthropic", f"download batch {job_id}'s answers"):
            results = self._retrying(lambda: list(self._batches().results(job_id)))()
        return [_anthropic_answer(result.model_dump(mode="json")) for result in results]


def _counts(counts: Any) -> dict[str, int]:
    return {k: int(getattr(counts, k, 0) or 0) for k in ANTHROPIC_COUNTS}


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
            model_response=load_litellm().ModelResponse(),
        )
        return Answer(custom_id, json.loads(response.model_dump_json()))
    if kind == "errored":
        error = (result.get("error") or {}).get("error") or result.get("error") or {}
        return Answer(custom_id, None, f"{error.get('type', 'error')}: {error.get('message', 'no answer')}")
    if kind == "expired":
        return Answer(custom_id, None, "expired: the batch's 24 hours ran out before it was answered")
    return Answer(custom_id, None, f"{kind}: no answer")


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


R = TypeVar("R")


def _retrying(settings: Settings) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Retry a control call (never a submission) on transient faults, as model calls are."""
    from summarizer._transient import RateLimiter, with_retries

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
