"""The Summarizer: text in, a validated brief with its meta out."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from summarizer.config import Settings, load_settings
from summarizer.documents import check_text
from summarizer.errors import InputError
from summarizer.grounding import ground
from summarizer.prompts import Prompt, field_guide, load_prompt
from summarizer.schemas import Meta, get_schema, schema_version

if TYPE_CHECKING:
    from summarizer.engine import Completion, Engine

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class _Job:
    text: str
    schema: type[BaseModel]
    schema_name: str
    prompt: Prompt
    messages: list[dict[str, str]]


class Summarizer:
    """Summarizes documents with one configuration, reusing clients and the loaded local model.

    Args:
        settings: the configuration; ``None`` reads it from the environment and config files.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings if settings is not None else load_settings()
        self._engine: Engine | None = None

    def _get_engine(self) -> Engine:
        if self._engine is None:
            from summarizer.engine import Engine, resolve_target

            self._engine = Engine(self.settings, resolve_target(self.settings))
        return self._engine

    def _prepare(self, text: str, schema: type[BaseModel] | str | None, prompt: str | None) -> _Job:
        if not isinstance(text, str):
            raise InputError(f"text must be a str, not {type(text).__name__}")
        check_text(text)
        if schema is None or isinstance(schema, str):
            name = schema or self.settings.schema
            model = get_schema(name)
        else:
            model, name = schema, f"{schema.__module__}:{schema.__qualname__}"
        template = load_prompt(prompt or self.settings.prompt, self.settings.prompt_dir)
        messages = template.render(document=text, fields=field_guide(model))
        return _Job(text=text, schema=model, schema_name=name, prompt=template, messages=messages)

    def _finish(self, job: _Job, completion: Completion, started: float) -> Any:
        engine = self._get_engine()
        output, coverage = ground(completion.output, job.text)
        if "meta" not in type(output).model_fields:
            return output
        meta = Meta(
            provider=engine.target.provider,
            model=engine.target.model_name,
            prompt=job.prompt.name,
            prompt_sha256=job.prompt.sha256,
            schema_name=job.schema_name,
            schema_version=schema_version(job.schema),
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            cost_usd=completion.cost_usd,
            latency_s=round(time.monotonic() - started, 3),
            retries=completion.attempts - 1,
            source_sha256=hashlib.sha256(job.text.encode("utf-8")).hexdigest(),
            grounding=None if coverage is None else round(coverage, 4),
        )
        return output.model_copy(update={"meta": meta})

    def summarize(self, text: str, *, schema: type[T] | str | None = None, prompt: str | None = None) -> Any:
        """A brief of ``text`` (or an instance of ``schema``, when given).

        Args:
            text: the document.
            schema: a pydantic model class, or a schema name; default from settings.
            prompt: a prompt name; default from settings.
        """
        started = time.monotonic()
        job = self._prepare(text, schema, prompt)
        engine = self._get_engine()
        engine.check_length(job.messages)
        engine.warm(job.messages)
        completion = engine.complete(job.messages, job.schema, {"source": job.text})
        return self._finish(job, completion, started)

    async def asummarize(
        self, text: str, *, schema: type[T] | str | None = None, prompt: str | None = None
    ) -> Any:
        """Async twin of :meth:`summarize`."""
        started = time.monotonic()
        job = self._prepare(text, schema, prompt)
        engine = await asyncio.to_thread(self._get_engine)
        await asyncio.to_thread(engine.check_length, job.messages)
        await asyncio.to_thread(engine.warm, job.messages)
        completion = await engine.acomplete(job.messages, job.schema, {"source": job.text})
        return self._finish(job, completion, started)


def summarize(
    text: str,
    *,
    settings: Settings | None = None,
    schema: type[T] | str | None = None,
    prompt: str | None = None,
) -> Any:
    """A brief of ``text``; see :meth:`Summarizer.summarize`."""
    return Summarizer(settings).summarize(text, schema=schema, prompt=prompt)


async def asummarize(
    text: str,
    *,
    settings: Settings | None = None,
    schema: type[T] | str | None = None,
    prompt: str | None = None,
) -> Any:
    """Async twin of :func:`summarize`."""
    return await Summarizer(settings).asummarize(text, schema=schema, prompt=prompt)
