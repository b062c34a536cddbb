"""Provider profiles: what differs between model providers, one profile per provider family.

A :class:`ModelProfile` owns a family's quirks: the instructor mode it is asked in, its key
policy, how its tokens are counted and priced, its warm-up, its context window, whether litellm
may drop the parameters it does not take, and its batch API. :func:`profile_for` finds the
profile of a configured model string; the engine and the batch route ask it, never the
provider's name. The embedded model is one profile, whose runtime (:mod:`summarizer._embedded`)
plugs in behind the same methods.

Nothing here imports litellm at import time: the key check runs before litellm's seconds of import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from summarizer._config import EMBEDDED, Settings, mask_url, user_cache_dir
from summarizer._errors import ConfigError
from summarizer._litellm_loader import load_litellm

if TYPE_CHECKING:
    from summarizer._batch_api import BatchAPI
    from summarizer._embedded import EmbeddedRuntime

Messages = list[dict[str, str]]

DIRECT = "use --via direct (one request at a time, at the direct price)"
RUN_BATCH = "; a self-hosted model at scale: see vLLM's run_batch in the README"


@dataclass(frozen=True)
class Target:
    """Where requests go, and how the brief's meta names it."""

    model: str  # litellm model string
    provider: str  # litellm's name of the provider
    model_name: str
    api_base: str | None
    api_key: str | None = field(repr=False)  # never in a repr, a log or a traceback's locals
    mode: str  # json_schema | tools | json | md_json
    context_tokens: int | None  # known context window, for the length check

    @property
    def profile(self) -> ModelProfile:
        return profile_named(self.provider)

    @property
    def one_at_a_time(self) -> bool:
        """Whether requests must go one by one (see :attr:`ModelProfile.one_at_a_time`)."""
        return self.profile.one_at_a_time

    def adapt(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request as this target wants it."""
        return self.profile.adapt(kwargs)

    def count_tokens(self, messages: Messages) -> int | None:
        """Tokens of the prompt, where the model's tokenizer is known."""
        return self.profile.count_tokens(self, messages)


@dataclass(frozen=True)
class ModelProfile:
    """One provider family, reached through litellm."""

    family: str
    providers: tuple[str, ...] = ()  # litellm's names of the providers of this family
    key_variables: tuple[str, ...] = ()  # where litellm takes the key from; the first is named
    batch: bool = False  # has a batch API that summarizer can use
    mode: str = "tools"  # the instructor mode of ``mode = "auto"``
    drop_params: bool = True  # let litellm drop the parameters this provider does not take
    one_at_a_time: bool = False  # requests go one by one, never at once

    def check_key(self, settings: Settings) -> None:
        """Raise ConfigError, naming the variable to set, when the key is missing; from the
        environment alone, before litellm is loaded. A self-hosted server (``api_base``) may want
        no key. A family this module does not know is left to litellm, once loaded."""
        if not self.providers:
            return
        if settings.api_key_env:
            named_key(settings.api_key_env, self.family)
            return
        variables = self.key_variables
        if variables and not settings.api_base and not any(os.environ.get(v) for v in variables):
            raise ConfigError(
                f"no API key for {self.family}: set {variables[0]} (or name another variable in api_key_env)"
            )

    def resolve(self, settings: Settings) -> Target:
        """The request target of ``settings``; ConfigError for an unknown model or a missing key."""
        self.check_key(settings)  # a missing key is told at once, not after litellm's seconds of import
        litellm = load_litellm()
        try:
            model_name, provider, _, _ = litellm.get_llm_provider(settings.model, api_base=settings.api_base)
        except Exception as e:  # litellm raises several types for an unknown model
            raise ConfigError(
                f"unknown model {settings.model!r}: write it as 'provider/model', e.g. 'openai/gpt-4o-mini'"
            ) from e
        profile = profile_named(provider)  # "gpt-4o-mini" is OpenAI's, though it does not say so
        return Target(
            model=settings.model,
            provider=provider,
            model_name=model_name,
            api_base=settings.api_base,
            api_key=profile.api_key(settings, provider),
            mode=profile.mode if settings.mode == "auto" else settings.mode,
            context_tokens=profile.context_tokens(settings.model),
        )

    def api_key(self, settings: Settings, provider: str) -> str | None:
        """The key to send: the named variable's, or none where litellm finds its own."""
        if settings.api_key_env:
            return named_key(settings.api_key_env, provider)
        status = load_litellm().validate_environment(model=settings.model)
        missing = [k for k in status.get("missing_keys", []) if "KEY" in k or "TOKEN" in k]
        if not missing:
            return None
        if settings.api_base:
            # A self-hosted OpenAI-compatible server usually wants no key, but the SDK needs one.
            return "no-key"
        raise ConfigError(
            f"no API key for {provider}: set {' or '.join(missing)} (or name another variable in api_key_env)"
        )

    def context_tokens(self, model: str) -> int | None:
        """The model's context window, where litellm's price map knows it."""
        try:
            window = load_litellm().get_model_info(model).get("max_input_tokens")
        except Exception:  # a model missing from the price table has no known window
            return None
        return int(window) if window else None

    def adapt(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request as this provider wants it."""
        return kwargs

    def count_tokens(self, target: Target, messages: Messages) -> int | None:
        """Tokens of the prompt, by litellm's tokenizer of the model; ``None`` when unknown."""
        try:
            return int(load_litellm().token_counter(model=target.model, messages=messages))
        except Exception:  # an unknown tokenizer only skips the length pre-check
            return None

    def cost(self, target: Target, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD of a call, from litellm's price map; ``None`` for a model it has no price for."""
        try:
            prompt_cost, completion_cost = load_litellm().cost_per_token(
                model=target.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:  # a model missing from the price table has no known cost
            return None
        return float(prompt_cost + completion_cost)

    def warm(self, target: Target, messages: Messages) -> None:
        """Prepare the model for ``messages``' system prompt: nothing to do at a hosted provider."""

    def cache_identity(self, settings: Settings) -> tuple[str, str | None]:
        """The model and endpoint as the cache key names them."""
        return settings.model, settings.api_base

    def where(self, target: Target) -> str:
        """The endpoint as an error message names it."""
        return f"{target.provider} at {mask_url(target.api_base)}" if target.api_base else target.provider

    def refuse_batch(self, settings: Settings) -> None:
        """Raise ConfigError, naming ``--via direct``, when this family cannot take a provider batch.

        Decided from the settings alone: the embedded model is not loaded, no key is needed.
        """
        if not self.batch:
            raise _no_batch_api(settings.model.partition("/")[0], settings)

    def batch_api(self, settings: Settings, target: Target) -> BatchAPI:
        """This family's batch API."""
        raise ConfigError(f"{target.provider} has no batch API that summarizer can use: {DIRECT}")


@dataclass(frozen=True)
class _Hosted(ModelProfile):
    """A provider without a profile of its own, or a model that does not name its provider."""

    def refuse_batch(self, settings: Settings) -> None:
        try:
            _, provider, _, _ = load_litellm().get_llm_provider(settings.model, api_base=settings.api_base)
        except Exception:  # an unknown model is reported by the engine, with its own message
            return
        profile = profile_named(provider)  # "gpt-4o-mini" is OpenAI's, though it does not say so
        if isinstance(profile, _Hosted):
            raise _no_batch_api(provider, settings)
        profile.refuse_batch(settings)


def _no_batch_api(provider: str, settings: Settings) -> ConfigError:
    return ConfigError(
        f"{provider} has no batch API that summarizer can use (only OpenAI's and Anthropic's): "
        + DIRECT
        + (RUN_BATCH if settings.api_base else "")
    )


@dataclass(frozen=True)
class _OpenAI(ModelProfile):
    def batch_api(self, settings: Settings, target: Target) -> BatchAPI:
        from summarizer._batch_api import OpenAIBatches

        return OpenAIBatches(target, settings)


@dataclass(frozen=True)
class _Anthropic(ModelProfile):
    def batch_api(self, settings: Settings, target: Target) -> BatchAPI:
        from summarizer._batch_api import AnthropicBatches

        return AnthropicBatches(target, settings)


@dataclass(frozen=True)
class EmbeddedProfile(ModelProfile):
    """The built-in local model: its runtime (:mod:`summarizer._embedded`) serves it in this
    process, on loopback, and litellm reaches it as an OpenAI-compatible server."""

    def resolve(self, settings: Settings) -> Target:
        """Load the model (with ``api_base``: a server of it that runs already, as the recorded
        tests replay one)."""
        from summarizer import _embedded

        _embedded.load_xllamacpp()  # its grammars are needed even to reach a server of it elsewhere
        api_base = (
            settings.api_base
            or _embedded.runtime(user_cache_dir(), settings.context_size, settings.threads).api_base
        )
        return Target(
            model=f"openai/{_embedded.MODEL_NAME}",
            provider=self.family,
            model_name=_embedded.MODEL_NAME,
            api_base=api_base,
            api_key="embedded",  # the loopback server checks no key; the SDK wants one
            mode=self.mode if settings.mode == "auto" else settings.mode,
            context_tokens=settings.context_size,
        )

    def adapt(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The JSON Schema as a grammar that allows no free whitespace: asked with
        ``response_format``, the model indents its answer, and every indent is a token to write."""
        from summarizer import _embedded

        response_format = kwargs.get("response_format") or {}
        if response_format.get("type") != "json_schema":
            return kwargs
        schema = response_format["json_schema"]["schema"]
        extra = {**(kwargs.get("extra_body") or {}), "grammar": _embedded.compact_grammar(schema)}
        return {**{k: v for k, v in kwargs.items() if k != "response_format"}, "extra_body": extra}

    def count_tokens(self, target: Target, messages: Messages) -> int | None:
        runtime = _runtime_of(target)
        if runtime is None:  # a server of the model elsewhere: litellm's estimate
            return super().count_tokens(target, messages)
        return sum(runtime.count_tokens(m["content"]) + 4 for m in messages)

    def cost(self, target: Target, prompt_tokens: int, completion_tokens: int) -> float | None:
        return 0.0

    def warm(self, target: Target, messages: Messages) -> None:
        """Let the model reuse its saved state for the system prompt."""
        runtime = _runtime_of(target)
        if runtime is not None and messages[0]["role"] == "system":
            runtime.warm_prefix(messages[0]["content"])

    def cache_identity(self, settings: Settings) -> tuple[str, str | None]:
        from summarizer import _embedded

        return f"{self.family}:{_embedded.MODEL_NAME}:{settings.context_size}", None

    def where(self, target: Target) -> str:
        return self.family

    def refuse_batch(self, settings: Settings) -> None:
        raise ConfigError(f"the embedded model cannot take a provider batch: {DIRECT}{RUN_BATCH}")


def _runtime_of(target: Target) -> EmbeddedRuntime | None:
    """The embedded runtime serving ``target`` in this process, if it is loaded."""
    from summarizer import _embedded

    runtime = _embedded.current()
    return runtime if runtime is not None and runtime.api_base == target.api_base else None


EMBEDDED_PROFILE = EmbeddedProfile(EMBEDDED, mode="json_schema", one_at_a_time=True)
"""The embedded model has one slot, and its prompt cache keeps only the last prompt, which the
next pass of the same document reuses: its requests go one by one. Its runtime takes a JSON
Schema as a grammar (constrained decoding), so it is asked in json_schema mode."""

PROFILES: tuple[ModelProfile, ...] = (
    EMBEDDED_PROFILE,
    _OpenAI("openai", ("openai",), ("OPENAI_API_KEY",), batch=True),
    _Anthropic("anthropic", ("anthropic",), ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"), batch=True),
    ModelProfile("gemini", ("gemini",), ("GEMINI_API_KEY", "GOOGLE_API_KEY")),
    # Self-hosted, wanting no key: Ollama, and the OpenAI-compatible servers (vLLM, LM Studio, ...).
    ModelProfile("ollama", ("ollama", "ollama_chat")),
    ModelProfile(
        "openai-compatible", ("hosted_vllm", "openai_like", "custom_openai", "lm_studio", "llamafile")
    ),
    ModelProfile("mistral", ("mistral",), ("MISTRAL_API_KEY",)),
    ModelProfile("groq", ("groq",), ("GROQ_API_KEY",)),
    ModelProfile("deepseek", ("deepseek",), ("DEEPSEEK_API_KEY",)),
    ModelProfile("xai", ("xai",), ("XAI_API_KEY",)),
    ModelProfile("openrouter", ("openrouter",), ("OPENROUTER_API_KEY",)),
)
_BY_PROVIDER = {provider: p for p in PROFILES for provider in (p.providers or (p.family,))}

HOSTED = _Hosted("hosted")
"""Any other provider litellm knows: litellm checks its key and maps its parameters."""


def profile_for(model: str) -> ModelProfile:
    """The profile of a configured model string: "embedded", or litellm's ``provider/model``.

    A model without a known ``provider/`` prefix gets the generic profile until litellm names its
    provider (:meth:`ModelProfile.resolve`): "gpt-4o-mini" is then OpenAI's.
    """
    if model == EMBEDDED:
        return EMBEDDED_PROFILE
    provider, slash, _ = model.partition("/")
    return profile_named(provider) if slash else HOSTED


def profile_named(provider: str) -> ModelProfile:
    """The profile of litellm's provider ``provider`` (the generic one, named so, if none is known)."""
    return _BY_PROVIDER.get(provider) or replace(HOSTED, family=provider)


def named_key(variable: str, provider: str) -> str:
    """The key in ``variable`` (the one ``api_key_env`` names); ConfigError when it is not set."""
    key = os.environ.get(variable)
    if not key:
        raise ConfigError(f"{variable} is not set: it should hold the API key for {provider} (api_key_env)")
    return key
