"""Settings and their precedence.

Highest first: explicit overrides (CLI flags), ``SUMMARIZER_*`` environment variables,
``./summarizer.toml`` (or the file given with ``--config``), the user config file, defaults.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from summarizer._errors import ConfigError

EMBEDDED = "embedded"
LOCAL_CONFIG = Path("summarizer.toml")

Mode = Literal["auto", "json_schema", "tools", "json", "md_json"]

# The config file that replaces ./summarizer.toml for this context (set by --config).
_config_file: ContextVar[Path | None] = ContextVar("summarizer_config_file", default=None)


def user_config_path() -> Path:
    """The per-user config file, e.g. ~/.config/summarizer/config.toml on Linux."""
    import platformdirs

    return platformdirs.user_config_path("summarizer") / "config.toml"


def user_cache_dir() -> Path:
    """The per-user cache directory, where the embedded model's weights are assembled."""
    import platformdirs

    return platformdirs.user_cache_path("summarizer")


def default_cache_path() -> Path:
    """The cache of briefs when ``cache_path`` is not set: briefs.sqlite in the user cache directory."""
    return user_cache_dir() / "briefs.sqlite"


# A field named "schema" shadows pydantic's deprecated BaseModel.schema(); the name is what
# users write, so keep it and silence the warning for this one class.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "schema"', category=UserWarning)

    class Settings(BaseSettings):
        """Every setting of the summarizer. Field descriptions are the config reference."""

        model_config = SettingsConfigDict(
            env_prefix="SUMMARIZER_",
            extra="forbid",
            validate_default=True,
            frozen=True,
        )

        model: str = Field(
            EMBEDDED,
            description='A litellm model string ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest",'
            ' "ollama/llama3.1", ...) or "embedded" for the built-in local model.',
        )
        api_base: str | None = Field(
            None, description="Base URL of the provider's API, for self-hosted or proxy endpoints."
        )
        api_key_env: str | None = Field(
            None,
            description="Name of the environment variable that holds the API key (never the key itself)."
            " Unset: litellm's default variable for the provider, e.g. OPENAI_API_KEY.",
        )
        temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
        max_tokens: int = Field(
            2048, gt=0, description="Upper bound on the tokens the model may write for one brief."
        )
        timeout: float = Field(600.0, gt=0, description="Seconds to wait for one model call.")
        max_retries: int = Field(
            1,
            ge=0,
            le=10,
            description="Re-asks after output that fails validation. After the last one the library"
            " fixes what it can and marks the rest (see meta.repairs and grounded).",
        )
        transient_retries: int = Field(
            4,
            ge=0,
            le=20,
            description="Retries of a call that met HTTP 429 or 5xx, a timeout or a dropped connection.",
        )
        retry_initial_delay: float = Field(
            1.0, ge=0, description="Seconds before the first such retry; doubles each time, with full jitter."
        )
        retry_max_delay: float = Field(
            60.0,
            ge=0,
            description="Longest wait between retries, in seconds."
            " A Retry-After above it is reported as an error.",
        )
        requests_per_minute: int = Field(0, ge=0, description="Pace requests to the provider; 0: no limit.")
        tokens_per_minute: int = Field(
            0, ge=0, description="Pace prompt plus max_tokens per minute to the provider; 0: no limit."
        )
        cache: bool = Field(
            True, description="Reuse briefs made before with the same source, model, prompt and settings."
        )
        cache_path: Path | None = Field(
            None, description="The SQLite cache file; default: briefs.sqlite in the user cache directory."
        )
        service_tokens: Annotated[list[SecretStr], NoDecode] = Field(
            default_factory=list,
            description="Bearer tokens the HTTP service accepts; in the environment, comma-separated"
            " (SUMMARIZER_SERVICE_TOKENS). None: only a loopback host is served, unless --insecure.",
        )
        service_models: Annotated[list[str], NoDecode] = Field(
            default_factory=list,
            description="Models clients of the HTTP service may ask for, besides `model`.",
        )
        service_max_body_bytes: int = Field(5_000_000, gt=0, description="Largest request body (413 above).")
        service_max_document_chars: int = Field(
            500_000, gt=0, description="Longest document the service accepts, in characters (422 above)."
        )
        service_max_concurrency: int = Field(
            4, ge=1, description="Requests the service briefs at once; more get 503 with Retry-After."
        )
        service_max_batch: int = Field(20, ge=1, description="Most documents in one batch request.")
        service_request_timeout: float = Field(900.0, gt=0, description="Seconds before a request gets 504.")
        strict_grounding: bool = Field(
            False,
            description="Drop items whose evidence is not found in the source after the re-asks,"
            " instead of keeping them marked grounded: false.",
        )
        chunk_tokens: int = Field(
            6000,
            ge=500,
            description="Longest part of a document sent in one request, in tokens. A longer document"
            " (or one over the model's context window) is split on paragraph and sentence boundaries,"
            " each part is briefed, and the briefs are merged.",
        )
        mode: Mode = Field(
            "auto",
            description="How instructor asks for structured output: json_schema (constrained decoding),"
            " tools, json or md_json. auto: json_schema for the embedded model, tools otherwise.",
        )
        prompt: str = Field("brief", description="Name of the prompt template folder.")
        prompt_dir: Path | None = Field(
            None, description="A directory of your own prompt templates, searched before the built-in ones."
        )
        schema: str = Field(  # type: ignore[assignment]  # shadows the deprecated BaseModel.schema()
            "brief",
            description='The output schema: "brief", or "package.module:Model" for your own pydantic model.',
        )
        context_size: int = Field(
            32768, ge=2048, description="Context window of the embedded model, in tokens."
        )
        threads: int = Field(0, ge=0, description="CPU threads for the embedded model; 0 uses all cores.")
        max_document_bytes: int = Field(
            20_000_000, gt=0, description="Largest input document accepted, in bytes."
        )
        provider_batch_requests: int = Field(
            0,
            ge=0,
            description="Most requests in one provider batch (batch --via provider); 0: the provider's"
            " limit (50,000 for OpenAI, 100,000 for Anthropic). Smaller batches keep under an"
            " organisation's limit of queued tokens.",
        )

        @field_validator("service_tokens", "service_models", mode="before")
        @classmethod
        def _comma_separated(cls, value: Any) -> Any:
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            return value

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            files = [TomlConfigSettingsSource(settings_cls, toml_file=path) for _, path in _config_files()]
            return (init_settings, env_settings, *files)


def _config_files() -> list[tuple[str, Path]]:
    """The config files in precedence order, highest first, as (label, path)."""
    explicit = _config_file.get()
    local = explicit if explicit is not None else LOCAL_CONFIG
    return [(str(local), local), ("user config " + str(user_config_path()), user_config_path())]


def load_settings(overrides: dict[str, Any] | None = None, *, config_file: Path | None = None) -> Settings:
    """Build settings from every source.

    Args:
        overrides: values from CLI flags; ``None`` values are ignored.
        config_file: a TOML file to read instead of ``./summarizer.toml``.
    """
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file not found: {config_file}")
    token = _config_file.set(config_file)
    try:
        for _, path in _config_files():
            _check_toml(path)
        values = {k: v for k, v in (overrides or {}).items() if v is not None}
        return Settings(**values)
    except ValidationError as e:
        raise ConfigError(_describe_validation_error(e)) from e
    finally:
        _config_file.reset(token)


def _check_toml(path: Path) -> None:
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot parse config file {path}: {e}") from e
    known = {n for n in Settings.model_fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in config file {path}")


def _describe_validation_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "settings"
    return f"invalid setting {where!r}: {err['msg']}"


def describe_settings(
    overrides: dict[str, Any] | None = None, *, config_file: Path | None = None
) -> list[tuple[str, str, str]]:
    """Every effective setting as (key, value shown with secrets masked, where it came from)."""
    settings = load_settings(overrides, config_file=config_file)
    token = _config_file.set(config_file)
    try:
        layers: list[tuple[str, dict[str, Any]]] = [
            ("command line", {k: v for k, v in (overrides or {}).items() if v is not None}),
            ("environment", EnvSettingsSource(Settings)()),
        ]
        for label, path in _config_files():
            layers.append((label, TomlConfigSettingsSource(Settings, toml_file=path)()))
    finally:
        _config_file.reset(token)
    rows = []
    for name in Settings.model_fields:
        origin = next((label for label, data in layers if name in data), "default")
        rows.append((name, _show(name, getattr(settings, name)), origin))
    return rows


def _show(name: str, value: Any) -> str:
    if name == "cache_path" and value is None:
        return str(default_cache_path())
    if value is None:
        return "-"
    if name == "api_base":
        return mask_url(str(value))
    if name == "service_tokens":
        return f"{len(value)} set" if value else "none"
    if name == "api_key_env":
        state = "set" if os.environ.get(str(value)) else "not set"
        return f"{value} ({state})"
    return str(value)


def mask_url(url: str) -> str:
    """Hide credentials embedded in a URL (https://user:secret@host -> https://***@host)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc="***@" + host))
