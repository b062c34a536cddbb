"""API keys of common providers, checked before litellm is loaded.

litellm knows every provider's key variable, but importing it takes seconds: a run without a
key would wait that long to be told so. The providers below are checked from this table (a test
holds it to litellm's own checks); any other provider, and a model without a ``provider/``
prefix, is left to litellm.
"""

from __future__ import annotations

import os

from summarizer.config import Settings
from summarizer.errors import ConfigError

KEY_VARIABLES: dict[str, tuple[str, ...]] = {
    # provider: the variables litellm takes the key from, the one to name first
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "mistral": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "xai": ("XAI_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
}


def check_key(settings: Settings) -> None:
    """Raise ConfigError, naming the variable to set, when a known provider's key is missing.

    A self-hosted server (``api_base``) may want no key, as in the engine's full check.
    """
    provider, slash, _ = settings.model.partition("/")
    if settings.is_embedded or not slash or provider not in KEY_VARIABLES:
        return
    if settings.api_key_env:
        named_key(settings.api_key_env, provider)
        return
    variables = KEY_VARIABLES[provider]
    if not settings.api_base and not any(os.environ.get(v) for v in variables):
        raise ConfigError(
            f"no API key for {provider}: set {variables[0]} (or name another variable in api_key_env)"
        )


def named_key(variable: str, provider: str) -> str:
    """The key in ``variable`` (the one ``api_key_env`` names); ConfigError when it is not set."""
    key = os.environ.get(variable)
    if not key:
        raise ConfigError(f"{variable} is not set: it should hold the API key for {provider} (api_key_env)")
    return key
