"""The one module that imports instructor and litellm.

It calls the request target that the model's profile (:mod:`summarizer._profiles`) resolves,
through instructor over litellm (validation and re-asks by instructor, providers by litellm),
and maps their failures onto the SummarizerError family. It changes neither library: litellm's
settings go with each call, and instructor is used through its public API (its internals that
a provider batch needs are in :mod:`summarizer._instructor_adapter`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from summarizer import _instructor_adapter, _transient
from summarizer._config import Settings, mask_url
from summarizer._errors import (
    InputError,
    OutputValidationError,
    ProviderError,
    SummarizerError,
)
from summarizer._litellm_loader import load_litellm
from summarizer._profiles import Target, profile_for
from summarizer._transient import RateLimiter, with_async_retries, with_retries

if TYPE_CHECKING:
    from summarizer._checks import Request

Messages = list[dict[str, str]]


def resolve_target(settings: Settings) -> Target:
    """Check the configured model, key and endpoint, and load the embedded model if chosen."""
    return profile_for(settings.model).resolve(settings)


BATCH_DISCOUNT = 0.5
"""Share of the direct price a provider batch costs, for a model without batch prices in
litellm's price map: OpenAI's and Anthropic's batches are both half price."""


@dataclass(frozen=True)
class Prices:
    """USD per token, direct and in a provider batch; ``None`` where the price is not known."""

    prompt: float | None
    completion: float | None
    batch_prompt: float | None
    batch_completion: float | None
    source: str  # of the batch prices: "price map", "discount" or "unknown"

    def cost(self, prompt_tokens: int, completion_tokens: int, *, batch: bool) -> float | None:
        prompt, completion = self.prompt, self.completion
        if batch:
            prompt, completion = self.batch_prompt, self.batch_completion
        if prompt is None or completion is None:
            return None
        return prompt * prompt_tokens + completion * completion_tokens


@dataclass(frozen=True)
class Completion:
    """A validated output and what it cost."""

    output: BaseModel
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int  # of the prompt tokens, those the provider's prompt cache served
    cost_usd: float | None
    attempts: int  # model calls instructor made: the first and the validation re-asks
    transient_retries: int  # calls repeated after a 429, 5xx, timeout or connection failure


class Engine:
    """Calls one target through instructor, keeping its clients for reuse."""

    def __init__(self, settings: Settings, target: Target):
        self.settings = settings
        self.target = target
        self._sync: Any = None
        self._async: Any = None
        self.limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)

    def _retry_args(self) -> dict[str, Any]:
        s = self.settings
        return {
            "retries": s.transient_retries,
            "initial": s.retry_initial_delay,
            "cap": s.retry_max_delay,
            "limiter": self.limiter,
            "tokens": self._request_tokens,
        }

    def _request_tokens(self, kwargs: dict[str, Any]) -> int:
        """What a request may use of a tokens-per-minute budget: its prompt (estimated) and max_tokens."""
        chars = sum(len(str(m.get("content") or "")) for m in kwargs.get("messages", []))
        return chars // 4 + self.settings.max_tokens

    def _mode(self) -> Any:
        import instructor

        return {
            "json_schema": instructor.Mode.JSON_SCHEMA,
            "tools": instructor.Mode.TOOLS,
            "json": instructor.Mode.JSON,
            "md_json": instructor.Mode.MD_JSON,
        }[self.target.mode]

    def check_length(self, messages: Messages) -> None:
        """Raise InputError when the prompt and the output budget exceed the context window."""
        window = self.target.context_tokens
        if not window:
            return
        tokens = self.target.count_tokens(messages)
        if tokens is not None and tokens + self.settings.max_tokens > window:
            raise InputError(
                f"document too long: the prompt is {tokens:,} tokens and the output may take"
                f" {self.settings.max_tokens:,}, over the model's {window:,}-token context"
            )

    def _kwargs(
        self, messages: Messages, response_model: type[BaseModel], request: Request | None, retries: int
    ) -> dict[str, Any]:
        t = self.target
        if request is not None:
            # instructor renders messages as Jinja templates when a context is given; escaped,
            # they render back to exactly our text, whatever braces a document holds.
            messages = [{**m, "content": _literal(m["content"])} for m in messages]
        kwargs: dict[str, Any] = {
            "model": t.model,
            "messages": messages,
            "response_model": _response_model(response_model),
            "max_retries": retries,
            "context": None if request is None else {"request": request},
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "timeout": self.settings.timeout,
        }
        if t.api_base:
            kwargs["api_base"] = t.api_base
        if t.api_key:
            kwargs["api_key"] = t.api_key
        return kwargs

    def warm(self, messages: Messages) -> None:
        """Prepare the model for the system prompt of ``messages`` (its profile's warm-up)."""
        self.target.profile.warm(self.target, messages)

    def complete(
        self,
        messages: Messages,
        response_model: type[BaseModel],
        request: Request | None = None,
        *,
        retries: int | None = None,
    ) -> Completion:
        """Ask for ``response_model``; instructor validates and re-asks, with ``request``'s checks.

        Args:
            retries: the re-asks allowed; default ``max_retries`` (fewer when earlier answers,
                from a provider batch, were re-asked already).
        """
        import instructor

        if self._sync is None:
            # Transient faults are retried here, counted, and never silently by the SDK.
            completion, drop_params = load_litellm().completion, self.target.profile.drop_params

            def send(**kwargs: Any) -> Any:
                return completion(**self.target.adapt(kwargs), drop_params=drop_params, max_retries=0)

            call = with_retries(send, **self._retry_args())
            self._sync = instructor.from_litellm(call, mode=self._mode())
        retries = self.settings.max_retries if retries is None else retries
        counter = _AttemptCounter(retries + 1)
        waits = _transient.attempts_log.set([])
        try:
            with self._errors(counter):
                output = self._sync.create(
                    **self._kwargs(messages, response_model, counter.watch(request), retries),
                    hooks=counter.hooks(),
                )
            return self._completion(output, counter, len(_transient.attempts_log.get() or []))
        finally:
            _transient.attempts_log.reset(waits)

    async def acomplete(
        self,
        messages: Messages,
        response_model: type[BaseModel],
        request: Request | None = None,
        *,
        retries: int | None = None,
    ) -> Completion:
        """Async twin of :meth:`complete`."""
        import instructor

        if self._async is None:
            acompletion, drop_params = load_litellm().acompletion, self.target.profile.drop_params

            async def asend(**kwargs: Any) -> Any:
                return await acompletion(**self.target.adapt(kwargs), drop_params=drop_params, max_retries=0)

            call = with_async_retries(asend, **self._retry_args())
            self._async = instructor.from_litellm(call, mode=self._mode())
        retries = self.settings.max_retries if retries is None else retries
        counter = _AttemptCounter(retries + 1)
        waits = _transient.attempts_log.set([])
        try:
            with self._errors(counter):
                output = await self._async.create(
                    **self._kwargs(messages, response_model, counter.watch(request), retries),
                    hooks=counter.hooks(),
                )
            return self._completion(output, counter, len(_transient.attempts_log.get() or []))
        finally:
            _transient.attempts_log.reset(waits)

    def _completion(self, output: BaseModel, counter: _AttemptCounter, transient_retries: int) -> Completion:
        usage = getattr(output, "_total_usage", None) or getattr(
            getattr(output, "_raw_response", None), "usage", None
        )
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        details = getattr(usage, "prompt_tokens_details", None)
        return Completion(
            output=output,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cached_tokens=int(getattr(details, "cached_tokens", 0) or 0),
            cost_usd=self._cost(prompt_tokens, completion_tokens),
            attempts=max(counter.attempts, 1),
            transient_retries=transient_retries,
        )

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        return self.target.profile.cost(self.target, prompt_tokens, completion_tokens)

    # --- A provider batch: the direct route's requests and parsing, without the call -------------

    def batch_request(self, messages: Messages, response_model: type[BaseModel]) -> dict[str, Any]:
        """The request the direct route makes for ``response_model``, as instructor hands it to
        litellm (OpenAI's chat format, the model named without its provider), without key, base URL
        or timeout: one request of a provider batch."""
        return _instructor_adapter.request_kwargs(
            _response_model(response_model),
            self._mode(),
            model=self.target.model_name,
            messages=messages,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
        )

    def reask_request(
        self, request: dict[str, Any], answer: dict[str, Any], error: Exception
    ) -> dict[str, Any]:
        """``request`` followed by its ``answer`` and the re-ask that names ``error``, as instructor
        would send it next."""
        return _instructor_adapter.reask_kwargs(request, self._mode(), _model_response(answer), error)

    def parse_answer(
        self, answer: dict[str, Any], response_model: type[BaseModel], request: Request | None, *, last: bool
    ) -> BaseModel:
        """Validate ``answer`` (an OpenAI chat completion) as instructor validates a direct one,
        with ``request``'s checks; ``last``: the last attempt, where the checks fix what they can.

        Raises:
            OutputValidationError: the answer was cut off at max_tokens (``cut_off``).
            pydantic.ValidationError, ValueError: the answer is invalid: re-ask it
                (:meth:`reask_request`), or report it (:meth:`invalid_output`).
        """
        from instructor.core import IncompleteOutputException

        if request is not None:
            request.last_attempt = lambda: last
        try:
            output: BaseModel = _instructor_adapter.parse(
                _model_response(answer),
                _response_model(response_model),
                self._mode(),
                None if request is None else {"request": request},
            )
        except IncompleteOutputException as e:
            raise self._cut_off(1) from e
        return output

    def invalid_output(self, error: Exception, attempts: int) -> OutputValidationError:
        """The error of an answer still invalid after its last attempt."""
        detail = self._clean(str(error))
        return OutputValidationError(
            f"the model's output was still invalid after {attempts} attempts: {detail}", attempts=attempts
        )

    def batch_prices(self) -> Prices:
        """USD per token at direct and at batch prices, from litellm's price map; a model it has
        no batch prices for gets ``BATCH_DISCOUNT`` off its direct ones."""
        try:
            info = load_litellm().get_model_info(self.target.model)
        except Exception:  # a model missing from the price table has no known price
            return Prices(None, None, None, None, "unknown")
        prompt, completion = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        batch_prompt, batch_completion = (
            info.get("input_cost_per_token_batches"),
            info.get("output_cost_per_token_batches"),
        )
        if batch_prompt is not None and batch_completion is not None:
            return Prices(prompt, completion, batch_prompt, batch_completion, "price map")
        if prompt is None or completion is None:
            return Prices(prompt, completion, None, None, "unknown")
        return Prices(prompt, completion, prompt * BATCH_DISCOUNT, completion * BATCH_DISCOUNT, "discount")

    @contextlib.contextmanager
    def _errors(self, counter: _AttemptCounter) -> Iterator[None]:
        """Map litellm and instructor failures onto the SummarizerError family."""
        from instructor.core import IncompleteOutputException, InstructorRetryException

        try:
            yield
        except SummarizerError:
            raise
        except IncompleteOutputException as e:
            raise self._cut_off(max(counter.attempts, 1)) from e
        except InstructorRetryException as e:
            cause = e.__cause__
            if cause is not None and self._is_provider_error(cause):
                raise self._provider_error(cause) from e
            if isinstance(cause, IncompleteOutputException):
                raise self._cut_off(e.n_attempts) from e
            detail = self._clean(str(cause or e))
            raise OutputValidationError(
                f"the model's output was still invalid after {e.n_attempts} attempts: {detail}",
                attempts=e.n_attempts,
            ) from e
        except Exception as e:
            if self._is_provider_error(e):
                raise self._provider_error(e) from e
            raise

    def _cut_off(self, attempts: int) -> OutputValidationError:
        return OutputValidationError(
            f"the model's output was cut off at max_tokens={self.settings.max_tokens}",
            attempts=attempts,
            cut_off=True,
        )

    @staticmethod
    def _is_provider_error(e: BaseException) -> bool:
        import openai

        return isinstance(e, openai.OpenAIError)

    def _provider_error(self, e: BaseException) -> SummarizerError:
        litellm = load_litellm()
        t = self.target
        where = t.profile.where(t)
        status = getattr(e, "status_code", None)
        detail = self._clean(getattr(e, "message", None) or str(e))
        if isinstance(e, litellm.ContextWindowExceededError):
            return InputError(f"document too long for {t.model_name}'s context window: {detail}")
        if isinstance(e, litellm.AuthenticationError):
            var = self.settings.api_key_env or "the provider's API key variable"
            return ProviderError(
                f"{where} rejected the API key (HTTP 401): check {var}", provider=t.provider, status=401
            )
        if _is_connection_error(e) or status is None:
            return ProviderError(f"cannot reach {where}: {detail}", provider=t.provider, status=None)
        if isinstance(e, litellm.NotFoundError):
            return ProviderError(
                f"{where} does not know model {t.model_name!r} (HTTP 404): {detail}",
                provider=t.provider,
                status=404,
            )
        return ProviderError(f"{where} failed (HTTP {status}): {detail}", provider=t.provider, status=status)

    def _clean(self, message: str) -> str:
        """One line, no secret, no litellm boilerplate."""
        text = " ".join(message.split())
        text = re.sub(r"litellm\.\w+: ", "", text)
        text = re.sub(r"https?://\S+", lambda m: mask_url(m.group(0)), text)
        if self.target.api_key and len(self.target.api_key) >= 8:
            text = text.replace(self.target.api_key, "***")
        return text[:300] + ("..." if len(text) > 300 else "")


def _literal(text: str) -> str:
    """Jinja source that renders to exactly ``text``: a raw block, or, if the text could close
    one, every "{" (which could open a tag) as an expression."""
    if "endraw" not in text:
        return "{% raw %}" + text + "{% endraw %}"
    return text.replace("{", "{{ '{' }}")


@lru_cache(maxsize=512)
def _response_model(model: type[BaseModel]) -> type[BaseModel]:
    """instructor's wrapper of ``model``, made once: instructor would make a new class per call,
    and rebuild its JSON Schema each time. (Bounded: the commitments pass has a model per
    document.)"""
    import instructor

    wrapped: type[BaseModel] = instructor.openai_schema(model)
    return wrapped


def _is_connection_error(e: BaseException) -> bool:
    """Whether the endpoint was never reached (litellm reports some of these as HTTP 500)."""
    import httpx
    import openai

    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, (openai.APIConnectionError, httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection error" in str(e)


class _AttemptCounter:
    """Counts the model calls instructor makes for one request (first try plus re-asks).

    The checks of a :class:`Request` ask it whether this is the last attempt: then they fix
    what they can instead of failing.
    """

    def __init__(self, max_attempts: int) -> None:
        self.attempts = 0
        self.max_attempts = max_attempts

    def is_last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts

    def watch(self, request: Request | None) -> Request | None:
        if request is not None:
            request.last_attempt = self.is_last_attempt
        return request

    def hooks(self) -> Any:
        from instructor.core import Hooks

        hooks = Hooks()
        hooks.on("completion:kwargs", self._count)
        return hooks

    def _count(self, *args: Any, **kwargs: Any) -> None:
        self.attempts += 1


def _model_response(answer: dict[str, Any]) -> Any:
    """An OpenAI chat completion as litellm returns it to instructor on the direct route."""
    return load_litellm().ModelResponse(**answer)
