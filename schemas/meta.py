"""What the library, not the model, records about how a brief was made."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Meta(BaseModel):
    """Provenance and cost of one brief."""

    provider: str = Field(description='The provider, e.g. "embedded", "openai", "anthropic".')
    model: str = Field(description="The model as the provider names it.")
    prompt: str = Field(description="Name of the prompt template.")
    prompt_sha256: str = Field(description="sha256 of the prompt template files.")
    schema_name: str = Field(description="Name of the output schema.")
    schema_version: str = Field(description="Version of the output schema.")
    prompt_tokens: int = Field(description="Prompt tokens over every attempt.")
    completion_tokens: int = Field(description="Completion tokens over every attempt.")
    cached_tokens: int = Field(
        0, description="Of the prompt tokens, those the provider reused from its prompt cache."
    )
    cost_usd: float | None = Field(description="Cost from litellm's local price table; null if unknown.")
    latency_s: float = Field(description="Wall-clock seconds for the whole request, re-asks included.")
    retries: int = Field(description="Re-asks after output that failed validation or the checks.")
    transient_retries: int = Field(
        0, description="Calls repeated after HTTP 429 or 5xx, a timeout or a dropped connection."
    )
    cached: bool = Field(False, description="Served from the cache: no model call was made.")
    repairs: list[str] = Field(
        default_factory=list,
        description="Problems still present after the last re-ask that the library fixed itself.",
    )
    chunks: int = Field(1, description="Parts the document was split into to fit the model's context.")
    source_sha256: str = Field(description="sha256 of the source text (UTF-8).")
    grounding: float | None = Field(
        None, description="Share of items whose evidence was found in the source; null if none has evidence."
    )
    dropped: int = Field(
        0, description="Items dropped because their evidence was not found (strict_grounding)."
    )
