"""The one module that imports instructor and litellm.

It resolves the configured model into a request target, calls it through instructor over
litellm (validation and re-asks by instructor, providers by litellm), counts tokens and cost,
and maps their failures onto the SummarizerError family.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from summarizer import embedded, transient
from summarizer.config import Settings, mask_url, user_cache_dir
from summarizer.errors import (
    ConfigError,
    InputError,
    OutputValidationError,
    ProviderError,
    SummarizerError,
)
from summarizer.keys import check_key, named_key
from summarizer.transient import RateLimiter, with_async_retries, with_retries

if TYPE_CHECKING:
    from types import ModuleType

    from summarizer.checks import Request

Messages = list[dict[str, str]]


@cache
def _litellm() -> ModuleType:
    # litellm fetches its price map from the network at import unless told not to.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True
    litellm.telemetry = False
    return litellm


@dataclass(frozen=True)
class Target:
    """Where requests go, and how the brief's meta names it."""

    model: str  # litellm model string
    provider: str
    model_name: str
    api_base: str | None
    api_key: str | None = field(repr=False)  # never in a repr, a log or a traceback's locals
    mode: str  # json_schema | tools | json | md_json
    context_tokens: int | None  # known context window, for the length check

    @property
    def one_at_a_time(self) -> bool:
        """Whether requests must go one by one: the embedded model has one slot, and its prompt
        cache keeps only the last prompt, which the next pass of the same document reuses."""
        return self.provider == "embedded"

    def adapt(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request as this target wants it. The embedded runtime gets its JSON Schema as a
        grammar that allows no free whitespace: asked with ``response_format``, the model indents
        its answer, and every indent is a token to write."""
        response_format = kwargs.get("response_format") or {}
        if self.provider != "embedded" or response_format.get("type") != "json_schema":
            return kwargs
        schema = response_format["json_schema"]["schema"]
        extra = {**(kwargs.get("extra_body") or {}), "grammar": embedded.compact_grammar(schema)}
        return {**{k: v for k, v in kwargs.items() if k != "response_format"}, "extra_body": extra}

    def count_tokens(self, messages: Messages) -> int | None:
        """Tokens of the prompt, where the model's tokenizer is known."""
        rt = embedded.current()
        if rt is not None and self.api_base == rt.api_base:  # the model in this process
            return sum(rt.count_tokens(m["content"]) + 4 for m in messages)
        try:
            return int(_litellm().token_counter(model=self.model, messages=messages))
        except Exception:  # an unknown tokenizer only skips the length pre-check
            return None


def resolve_target(settings: Settings) -> Target:
    """Check the configured model, key and endpoint, and load the embedded model if chosen."""
    if settings.is_embedded:
        # With api_base: a server of the embedded model that runs already (the recorded tests
        # replay one); else the model is loaded in this process.
        api_base = (
            settings.api_base
            or embedded.runtime(user_cache_dir(), settings.context_size, settings.threads).api_base
        )
        return Target(
            model=f"openai/{embedded.MODEL_NAME}",
            provider="embedded",
            model_name=embedded.MODEL_NAME,
            api_base=api_base,
            api_key="embedded",  # the loopback server checks no key; the SDK wants one
            mode="json_schema" if settings.mode == "auto" else settings.mode,
            context_tokens=settings.context_size,
        )
    check_key(settings)  # a missing key is told at once, not after litellm's seconds of import
    litellm = _litellm()
    try:
        model_name, provider, _, _ = litellm.get_llm_provider(settings.model, api_base=settings.api_base)
    except Exception as e:  # litellm raises several types for an unknown model
        raise ConfigError(
            f"unknown model {settings.model!r}: write it as 'provider/model', e.g. 'openai/gpt-4o-mini'"
        ) from e
    api_key = _api_key(settings, provider)
    try:
        context_tokens = litellm.get_model_info(settings.model).get("max_input_tokens")
    except Exception:  # a model missing from the price table has no known window
        context_tokens = None
    return Target(
        model=settings.model,
        provider=provider,
        model_name=model_name,
        api_base=settings.api_base,
        api_key=api_key,
        mode="tools" if settings.mode == "auto" else settings.mode,
        context_tokens=context_tokens,
    )


def _api_key(settings: Settings, provider: str) -> str | None:
    if settings.api_key_env:
        return named_key(settings.api_key_env, provider)
    status = _litellm().validate_environment(model=settings.model)
    missing = [k for k in status.get("missing_keys", []) if "KEY" in k or "TOKEN" in k]
    if not missing:
        return None
    if settings.api_base:
        # A self-hosted OpenAI-compatible server usually wants no key, but the SDK needs one.
        return "no-key"
    raise ConfigError(
        f"no API key for {provider}: set {' or '.join(missing)} (or name another variable in api_key_env)"
    )


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
        """Let the embedded model reuse its saved state for the system prompt."""
        rt = embedded.current()
        if rt is not None and self.target.api_base == rt.api_base and messages[0]["role"] == "system":
            rt.warm_prefix(messages[0]["content"])

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
            completion = _litellm().completion

            def send(**kwargs: Any) -> Any:
                return completion(**self.target.adapt(kwargs), max_retries=0)

            call = with_retries(send, **self._retry_args())
            self._sync = instructor.from_litellm(call, mode=self._mode())
        retries = self.settings.max_retries if retries is None else retries
        counter = _AttemptCounter(retries + 1)
        waits = transient.attempts_log.set([])
        try:
            with self._errors(counter):
                output = self._sync.create(
                    **self._kwargs(messages, response_model, counter.watch(request), retries),
                    hooks=counter.hooks(),
                )
            return self._completion(output, counter, len(transient.attempts_log.get() or []))
        finally:
            transient.attempts_log.reset(waits)

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
            acompletion = _litellm().acompletion

            async def asend(**kwargs: Any) -> Any:
                return await acompletion(**self.target.adapt(kwargs), max_retries=0)

            call = with_async_retries(asend, **self._retry_args())
            self._async = instructor.from_litellm(call, mode=self._mode())
        retries = self.settings.max_retries if retries is None else retries
        counter = _AttemptCounter(retries + 1)
        waits = transient.attempts_log.set([])
        try:
            with self._errors(counter):
                output = await self._async.create(
                    **self._kwargs(messages, response_model, counter.watch(request), retries),
                    hooks=counter.hooks(),
                )
            return self._completion(output, counter, len(transient.attempts_log.get() or []))
        finally:
            transient.attempts_log.reset(waits)

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
        if self.target.provider == "embedded":
            return 0.0
        try:
            prompt_cost, completion_cost = _litellm().cost_per_token(
                model=self.target.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:  # a model missing from the price table has no known cost
            return None
        return float(prompt_cost + completion_cost)

    # --- A provider batch: the direct route's requests and parsing, without the call -------------

    def batch_request(self, messages: Messages, response_model: type[BaseModel]) -> dict[str, Any]:
        """The request the direct route makes for ``response_model``, as instructor hands it to
        litellm (OpenAI's chat format, the model named without its provider), without key, base URL
        or timeout: one request of a provider batch."""
        from instructor.v2.core.response import handle_response_model

        _, kwargs = handle_response_model(
            _response_model(response_model),
            mode=self._mode(),
            model=self.target.model_name,
            messages=messages,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
        )
        return dict(kwargs)

    def reask_request(
        self, request: dict[str, Any], answer: dict[str, Any], error: Exception
    ) -> dict[str, Any]:
        """``request`` followed by its ``answer`` and the re-ask that names ``error``, as instructor
        would send it next."""
        from instructor.v2.core.response import handle_reask_kwargs

        return dict(handle_reask_kwargs(request, self._mode(), _model_response(answer), error))

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
        import instructor
        from instructor.core.exceptions import IncompleteOutputException
        from instructor.v2.core.registry import mode_registry

        if request is not None:
            request.last_attempt = lambda: last
        handlers = mode_registry.get_handlers(instructor.Provider.OPENAI, self._mode())
        try:
            output: BaseModel = handlers.response_parser(
                response=_model_response(answer),
                response_model=_response_model(response_model),
                validation_context=None if request is None else {"request": request},
                strict=True,  # as instructor's create() validates
                stream=False,
                is_async=False,
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
            info = _litellm().get_model_info(self.target.model)
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
        from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

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
        litellm = _litellm()
        t = self.target
        where = (
            f"{t.provider} at {mask_url(t.api_base)}"
            if t.api_base and t.provider != "embedded"
            else t.provider
        )
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


@cache
def _response_model(model: type[BaseModel]) -> type[BaseModel]:
    """instructor's wrapper of ``model``, made once: instructor would make a new class per call,
    and rebuild its JSON Schema each time."""
    import instructor

    _remember_async_validator_scans()
    wrapped: type[BaseModel] = instructor.openai_schema(model)
    return wrapped


def _remember_async_validator_scans() -> None:
    """instructor walks the response model looking for async validators several times per call
    (about a third of our CPU per request against a fast provider); the answer depends on the
    class alone, so remember the classes that passed."""
    try:
        from instructor.v2.validation import async_validators
    except ImportError:  # another instructor layout: nothing to speed up
        return
    scan = async_validators.reject_async_validators
    if getattr(scan, "remembers", False):
        return
    passed: set[Any] = set()

    def reject_async_validators(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # unhashable: scan every time
            scan(response_model)
            return
        scan(response_model)
        passed.add(response_model)

    reject_async_validators.remembers = True  # type: ignore[attr-defined]
    import instructor.v2.core.patch as patch  # imports the scan by name

    for module in (async_validators, patch):
        if getattr(module, "reject_async_validators", None) is scan:
            setattr(module, "reject_async_validators", reject_async_validators)  # noqa: B010


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
        from instructor.v2.core.hooks import Hooks

        hooks = Hooks()
        hooks.on("completion:kwargs", self._count)
        return hooks

    def _count(self, *args: Any, **kwargs: Any) -> None:
        self.attempts += 1


def _model_response(answer: dict[str, Any]) -> Any:
    """An OpenAI chat completion as litellm returns it to instructor on the direct route."""
    return _litellm().ModelResponse(**answer)
