"""The Summarizer: text in, a validated brief with its meta out."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from pydantic import BaseModel, ValidationError

from summarizer import _passes
from summarizer._budget import Budget
from summarizer._cache import BriefCache, cache_key
from summarizer._checks import Request
from summarizer._chunking import Chunk, merge, split
from summarizer._config import Settings, default_cache_path, load_settings
from summarizer._documents import check_text
from summarizer._errors import InputError, OutputValidationError
from summarizer._grounding import ground
from summarizer._numbered import Numbered
from summarizer._profiles import profile_for
from summarizer._prompts import Prompt, field_guide, load_prompt
from summarizer._speakers import labels
from summarizer._version import package_version
from summarizer.schemas import Meta, get_schema, schema_version
from summarizer.schemas.brief import Brief
from summarizer.schemas.passes import Participants

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from summarizer._batch import BatchResult, Doc
    from summarizer._engine import Completion, Engine
    from summarizer._provider_batch import BatchCollection, BatchJob, BatchProgress

T = TypeVar("T", bound=BaseModel)

MAX_HALVINGS = 2
"""How often a part whose brief was cut off at max_tokens is split in smaller parts, each
briefed on its own, before the cut-off is an error: a part becomes at most about 4."""


@dataclass(frozen=True)
class Progress:
    """Where a brief stands, for a progress display: sent as each request starts, and at the end."""

    part: int  # 1-based part of the document
    parts: int
    step: str  # the pass ("participants", ...), or the schema's name for a one-pass schema
    completion_tokens: int  # written so far, over every part and pass
    elapsed_s: float
    done: bool = False


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class _Job:
    text: str
    schema: type[BaseModel]
    schema_name: str
    prompt: Prompt
    fields: str
    started: float
    progress: ProgressCallback | None

    @property
    def in_passes(self) -> bool:
        """Briefs are asked for in focused passes over numbered sentences; other schemas in one go."""
        return issubclass(self.schema, Brief)

    def messages(self, text: str) -> list[dict[str, str]]:
        """The longest request for ``text``: what must fit the context window."""
        if self.in_passes:
            return _passes.messages(self.prompt, _passes.PASSES[0], Numbered(text))
        return self.prompt.render(document=text, fields=self.fields)

    def numbered(self, chunk: Chunk) -> Numbered:
        """A part of the document in numbered sentences, its speaker labels read from the whole."""
        return Numbered(chunk.text, labels(self.text))

    def report(self, part: int, parts: int, step: str, tokens: int, done: bool = False) -> None:
        if self.progress is not None:
            elapsed = round(time.monotonic() - self.started, 1)
            self.progress(Progress(part, parts, step, tokens, elapsed, done))


@dataclass
class _Part:
    """One request's worth of the document, and what came back."""

    chunk: Chunk
    output: BaseModel
    completions: list[Completion]
    repairs: list[str]


class Summarizer:
    """Summarizes documents with one configuration, reusing clients and the loaded local model.

    Args:
        settings: the configuration; ``None`` reads it from the environment and config files.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings if settings is not None else load_settings()
        self._engine: Engine | None = None
        self.cache = BriefCache(self.settings.cache_path or default_cache_path())

    def _cache_key(self, job: _Job) -> str:
        """Everything that changes the output, so a hit is what a model call would give."""
        s = self.settings
        model, api_base = profile_for(s.model).cache_identity(s)
        return cache_key(
            source=hashlib.sha256(job.text.encode("utf-8")).hexdigest(),
            model=model,
            api_base=api_base,
            prompt=job.prompt.sha256,
            schema=job.schema_name,
            schema_version=schema_version(job.schema),
            # A brief's answers come from its passes' schemas: an edited description changes them.
            schema_sha256="".join(
                schema_sha256(m) for m in [job.schema, *(_passes.asked(p) for p in _passes.PASSES)]
            )
            if job.in_passes
            else schema_sha256(job.schema),
            library=package_version(),  # its checks and repairs shape the briefs it caches
            params=[s.temperature, s.max_tokens, s.mode, s.max_retries, s.strict_grounding, s.chunk_tokens],
        )

    def _cached(self, job: _Job) -> Any:
        if not self.settings.cache:
            return None
        value = self.cache.get(self._cache_key(job))
        if value is None:
            return None
        try:
            output = job.schema.model_validate_json(value)
        except ValidationError:  # an entry that does not read back is a miss, never an error
            return None
        meta = getattr(output, "meta", None)
        if isinstance(meta, Meta):
            latency = round(time.monotonic() - job.started, 3)
            output = output.model_copy(
                update={"meta": meta.model_copy(update={"cached": True, "latency_s": latency})}
            )
        return output

    def _store(self, job: _Job, output: BaseModel) -> None:
        if self.settings.cache:
            model = self.settings.model
            self.cache.put(self._cache_key(job), model, output.model_dump_json())

    def _get_engine(self) -> Engine:
        if self._engine is None:
            from summarizer._engine import Engine, resolve_target

            self._engine = Engine(self.settings, resolve_target(self.settings))
        return self._engine

    def _prepare(
        self,
        text: str,
        schema: type[BaseModel] | str | None,
        prompt: str | None,
        progress: ProgressCallback | None = None,
    ) -> _Job:
        started = time.monotonic()
        if not isinstance(text, str):
            raise InputError(f"text must be a str, not {type(text).__name__}")
        check_text(text)
        if schema is None or isinstance(schema, str):
            name = schema or self.settings.schema
            model = get_schema(name)
        else:
            model, name = schema, f"{schema.__module__}:{schema.__qualname__}"
        name_of_prompt = prompt or self.settings.prompt
        if name_of_prompt == "brief" and not issubclass(model, Brief):
            name_of_prompt = "extract"  # the brief's prompt asks for passes only a Brief has
        template = load_prompt(name_of_prompt, self.settings.prompt_dir)
        return _Job(text, model, name, template, field_guide(model), started, progress)

    def _plan(self, job: _Job, engine: Engine) -> list[Chunk]:
        """The whole document, or parts of it that each fit ``chunk_tokens`` and the context window.

        Raises:
            InputError: a document too long for the context window, for a schema other than Brief
                (only briefs can be merged).
        """
        whole = [Chunk(0, len(job.text), job.text)]
        target, s = engine.target, self.settings
        tokens = target.count_tokens(job.messages(job.text))
        window = target.context_tokens
        if tokens is None or (tokens <= s.chunk_tokens and (not window or tokens + s.max_tokens <= window)):
            return whole
        overhead = target.count_tokens(job.messages("")) or 0
        budget = min(s.chunk_tokens, window - s.max_tokens - overhead) if window else s.chunk_tokens
        document_tokens = tokens - overhead
        if document_tokens <= budget:
            return whole
        if not issubclass(job.schema, Brief) or budget < 200:
            engine.check_length(job.messages(job.text))  # raises: too long, and cannot be merged
            return whole
        chars_per_token = len(job.text) / max(document_tokens, 1)
        return split(job.text, int(budget * chars_per_token * 0.95))

    def _smaller(self, job: _Job, chunk: Chunk, error: OutputValidationError, halvings: int) -> list[Chunk]:
        """About two halves of a part whose brief was cut off at max_tokens: each has less to
        report. Re-raises ``error`` for any other failure, for a schema other than Brief (only
        briefs can be merged), and after ``MAX_HALVINGS``."""
        if not error.cut_off or not issubclass(job.schema, Brief) or halvings >= MAX_HALVINGS:
            raise error
        smaller = split(chunk.text, len(chunk.text) * 6 // 10)
        if len(smaller) < 2:
            raise error
        return [Chunk(chunk.start + c.start, chunk.start + c.end, c.text) for c in smaller]

    def _finish(self, job: _Job, parts: list[_Part]) -> Any:
        engine = self._get_engine()
        strict = self.settings.strict_grounding
        grounded = [ground(p.output, p.chunk.text, drop_ungrounded=strict) for p in parts]
        if len(parts) == 1:
            output = grounded[0].output
        else:
            output = merge([g.output for g in grounded], [p.chunk for p in parts])
        if "meta" not in type(output).model_fields:
            self._store(job, output)
            return output
        items = sum(g.items for g in grounded)
        found = sum(g.found for g in grounded)
        completions = [c for p in parts for c in p.completions]
        costs = [c.cost_usd for c in completions]
        meta = Meta(
            provider=engine.target.provider,
            model=engine.target.model_name,
            prompt=job.prompt.name,
            prompt_sha256=job.prompt.sha256,
            schema_name=job.schema_name,
            schema_version=schema_version(job.schema),
            prompt_tokens=sum(c.prompt_tokens for c in completions),
            completion_tokens=sum(c.completion_tokens for c in completions),
            cached_tokens=sum(c.cached_tokens for c in completions),
            cost_usd=None if None in costs else sum(c for c in costs if c is not None),
            latency_s=round(time.monotonic() - job.started, 3),
            retries=sum(c.attempts - 1 for c in completions),
            transient_retries=sum(c.transient_retries for c in completions),
            repairs=[r for p in parts for r in p.repairs],
            chunks=len(parts),
            source_sha256=hashlib.sha256(job.text.encode("utf-8")).hexdigest(),
            grounding=round(found / items, 4) if items else None,
            dropped=sum(g.dropped for g in grounded),
        )
        output = output.model_copy(update={"meta": meta})
        self._store(job, output)
        job.report(len(parts), len(parts), "done", meta.completion_tokens, done=True)
        return output

    @overload
    def summarize(
        self,
        text: str,
        *,
        schema: None = None,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> Brief: ...
    @overload
    def summarize(
        self,
        text: str,
        *,
        schema: type[T],
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> T: ...
    @overload
    def summarize(
        self,
        text: str,
        *,
        schema: str,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> BaseModel: ...
    def summarize(
        self,
        text: str,
        *,
        schema: type[T] | str | None = None,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> Any:
        """A brief of ``text`` (or an instance of ``schema``, when given).

        A document longer than ``chunk_tokens`` is briefed in parts whose briefs are merged.

        Args:
            text: the document.
            schema: a pydantic model class, or a schema name; default from settings.
            prompt: a prompt name; default from settings.
            progress: called with a :class:`Progress` as each request starts, and at the end.
            max_cost: USD; start no part of a long document that would exceed it (BudgetError).
        """
        job = self._prepare(text, schema, prompt, progress)
        if (hit := self._cached(job)) is not None:
            return hit
        engine = self._get_engine()
        chunks = self._plan(job, engine)
        parts: list[_Part] = []
        budget = Budget(max_cost)
        for n, chunk in enumerate(chunks, 1):
            budget.check_part(n, len(chunks))
            done = self._brief_part(job, engine, chunk, (n, len(chunks), parts))
            budget.add(_spent(done))
            parts += done
        return self._finish(job, parts)

    def _brief_part(
        self, job: _Job, engine: Engine, chunk: Chunk, where: _Where, halvings: int = 0
    ) -> list[_Part]:
        try:
            if not job.in_passes:
                messages = job.messages(chunk.text)
                _report(job, where, job.schema_name)
                completion = engine.complete(messages, job.schema)
                return [_Part(chunk, completion.output, [completion], [])]
            doc = job.numbered(chunk)
            requests: list[tuple[_passes.Pass, Request, Completion]] = []

            def one(p: _passes.Pass) -> tuple[_passes.Pass, Request, Completion]:
                messages = _passes.messages(job.prompt, p, doc)
                engine.warm(messages)
                _report(job, where, p.name, requests)
                earlier = _earlier(requests, p, doc)
                request = Request(doc, people=earlier)
                model = _passes.response_model(p, doc, earlier)
                return p, request, engine.complete(messages, model, request)

            for stage in _passes.stages(doc):
                if engine.target.one_at_a_time:
                    for p in stage:
                        requests.append(one(p))
                else:
                    with ThreadPoolExecutor(len(stage)) as pool:
                        requests += list(pool.map(one, stage))
            return [_assembled(chunk, doc, requests)]
        except OutputValidationError as e:
            smaller = self._smaller(job, chunk, e, halvings)
            parts = [p for c in smaller for p in self._brief_part(job, engine, c, where, halvings + 1)]
            return _noted(parts, chunk, smaller, e)

    @overload
    async def asummarize(
        self,
        text: str,
        *,
        schema: None = None,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> Brief: ...
    @overload
    async def asummarize(
        self,
        text: str,
        *,
        schema: type[T],
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> T: ...
    @overload
    async def asummarize(
        self,
        text: str,
        *,
        schema: str,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> BaseModel: ...
    async def asummarize(
        self,
        text: str,
        *,
        schema: type[T] | str | None = None,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
        max_cost: float | None = None,
    ) -> Any:
        """Async twin of :meth:`summarize`; a hosted provider gets a brief's passes at once."""
        job = self._prepare(text, schema, prompt, progress)
        if (hit := await asyncio.to_thread(self._cached, job)) is not None:
            return hit
        engine = await asyncio.to_thread(self._get_engine)
        chunks = await asyncio.to_thread(self._plan, job, engine)
        parts: list[_Part] = []
        budget = Budget(max_cost)
        for n, chunk in enumerate(chunks, 1):
            budget.check_part(n, len(chunks))
            done = await self._abrief_part(job, engine, chunk, (n, len(chunks), parts))
            budget.add(_spent(done))
            parts += done
        return self._finish(job, parts)

    async def _abrief_part(
        self, job: _Job, engine: Engine, chunk: Chunk, where: _Where, halvings: int = 0
    ) -> list[_Part]:
        try:
            if not job.in_passes:
                messages = job.messages(chunk.text)
                _report(job, where, job.schema_name)
                completion = await engine.acomplete(messages, job.schema)
                return [_Part(chunk, completion.output, [completion], [])]
            doc = job.numbered(chunk)

            requests: list[tuple[_passes.Pass, Request, Completion]] = []

            async def one(p: _passes.Pass) -> tuple[_passes.Pass, Request, Completion]:
                messages = _passes.messages(job.prompt, p, doc)
                await asyncio.to_thread(engine.warm, messages)
                _report(job, where, p.name)
                earlier = _earlier(requests, p, doc)
                request = Request(doc, people=earlier)
                model = _passes.response_model(p, doc, earlier)
                return p, request, await engine.acomplete(messages, model, request)

            for stage in _passes.stages(doc):
                if engine.target.one_at_a_time:
                    requests += [await one(p) for p in stage]
                else:
                    requests += list(await asyncio.gather(*(one(p) for p in stage)))
            return [_assembled(chunk, doc, requests)]
        except OutputValidationError as e:
            smaller = self._smaller(job, chunk, e, halvings)
            parts = [p for c in smaller for p in await self._abrief_part(job, engine, c, where, halvings + 1)]
            return _noted(parts, chunk, smaller, e)

    def batch(
        self,
        documents: Iterable[Doc | str],
        *,
        concurrency: int = 4,
        max_cost: float | None = None,
        stop: asyncio.Event | None = None,
    ) -> AsyncIterator[BatchResult]:
        """Brief many documents; an async iterator of one result per document, as each finishes.

        Args:
            documents: ``Doc`` objects, or texts (named ``doc-1``, ``doc-2``, ...).
            concurrency: documents in flight at once.
            max_cost: USD; once the next document would exceed it, the rest are ``skipped``.
            stop: set it to stop starting documents (those in flight finish).
        """
        from summarizer._batch import Doc, run

        docs = (d if isinstance(d, Doc) else Doc.from_text(f"doc-{i}", d) for i, d in enumerate(documents, 1))
        return run(self, docs, concurrency=concurrency, max_cost=max_cost, stop=stop)

    def submit_batch(
        self,
        documents: Iterable[Doc | str],
        *,
        outdir: Path,
        formats: Sequence[str] = ("json",),
        max_cost: float | None = None,
        force: bool = False,
    ) -> BatchJob:
        """Send ``documents`` to the provider's batch API (OpenAI's or Anthropic's), at batch prices.

        Their first requests go in one or more provider batches, whose ids ``outdir`` keeps;
        :meth:`collect_batch` writes the briefs there, with ``manifest.jsonl``, as the answers come.
        Documents done before in ``outdir`` are skipped (``force`` redoes them); those in the
        cache are written at once.

        Args:
            documents: ``Doc`` objects, or texts (named ``doc-1``, ``doc-2``, ...).
            outdir: the output folder.
            formats: the outputs' formats: ``json``, ``md``, ``html``.
            max_cost: USD; nothing is submitted if the estimate at batch prices is over it.
        """
        from summarizer import _provider_batch
        from summarizer._batch import Doc

        docs = [d if isinstance(d, Doc) else Doc.from_text(f"doc-{i}", d) for i, d in enumerate(documents, 1)]
        return _provider_batch.submit(
            self, docs, outdir, formats=list(formats), max_cost=max_cost, force=force
        )

    def batch_status(self, job: BatchJob | Path) -> BatchProgress:
        """Where a provider batch stands (``job``, or the folder it was submitted for)."""
        from summarizer import _provider_batch

        return _provider_batch.status(self.settings, job if isinstance(job, Path) else job.outdir)

    def collect_batch(
        self,
        job: BatchJob | Path,
        *,
        reask: Literal["batch", "direct"] = "batch",
        wait: bool = True,
        poll_interval: float = 60.0,
        concurrency: int = 4,
        progress: Callable[[BatchProgress], None] | None = None,
    ) -> BatchCollection:
        """Collect a provider batch: check and write each document as its answers come in.

        Answers that fail the checks are asked again, in a new provider batch or directly
        (``reask="direct"``, ``concurrency`` at a time). Interrupted, it resumes where it stopped,
        and never submits a batch twice.

        Args:
            job: what :meth:`submit_batch` returned, or the folder it was given.
            wait: poll every ``poll_interval`` seconds until every document is done; else look once.
            progress: called after each look.
        """
        from summarizer import _provider_batch

        return _provider_batch.collect(
            self.settings,
            job if isinstance(job, Path) else job.outdir,
            reask=reask,
            wait=wait,
            poll_interval=poll_interval,
            concurrency=concurrency,
            on_progress=progress,
        )


@overload
def summarize(
    text: str, *, settings: Settings | None = None, schema: None = None, prompt: str | None = None
) -> Brief: ...
@overload
def summarize(
    text: str, *, settings: Settings | None = None, schema: type[T], prompt: str | None = None
) -> T: ...
@overload
def summarize(
    text: str, *, settings: Settings | None = None, schema: str, prompt: str | None = None
) -> BaseModel: ...
def summarize(
    text: str,
    *,
    settings: Settings | None = None,
    schema: type[T] | str | None = None,
    prompt: str | None = None,
) -> Any:
    """A brief of ``text``; see :meth:`Summarizer.summarize`."""
    return Summarizer(settings).summarize(text, schema=schema, prompt=prompt)


@overload
async def asummarize(
    text: str, *, settings: Settings | None = None, schema: None = None, prompt: str | None = None
) -> Brief: ...
@overload
async def asummarize(
    text: str, *, settings: Settings | None = None, schema: type[T], prompt: str | None = None
) -> T: ...
@overload
async def asummarize(
    text: str, *, settings: Settings | None = None, schema: str, prompt: str | None = None
) -> BaseModel: ...
async def asummarize(
    text: str,
    *,
    settings: Settings | None = None,
    schema: type[T] | str | None = None,
    prompt: str | None = None,
) -> Any:
    """Async twin of :func:`summarize`."""
    return await Summarizer(settings).asummarize(text, schema=schema, prompt=prompt)


_Where = tuple[int, int, list[_Part]]
"""A part's number, how many parts there are, and the parts briefed so far (for their tokens)."""


def _report(
    job: _Job, where: _Where, step: str, requests: list[tuple[Any, Any, Completion]] | None = None
) -> None:
    n, count, done = where
    tokens = sum(c.completion_tokens for p in done for c in p.completions)
    tokens += sum(c.completion_tokens for _, _, c in requests or [])
    job.report(n, count, step, tokens)


def _earlier(
    requests: list[tuple[_passes.Pass, Request, Completion]], p: _passes.Pass, doc: Numbered
) -> Participants | None:
    """The participants' answer, for the pass asked after it (commitments): a transcript's
    speakers, or the participants pass's answer."""
    if p.after is None:
        return None
    answers = (c.output for q, _, c in requests if q.name == p.after)
    return _passes.speakers(doc) or next((a for a in answers if isinstance(a, Participants)), None)


def _assembled(
    chunk: Chunk, doc: Numbered, requests: list[tuple[_passes.Pass, Request, Completion]]
) -> _Part:
    """The part's brief, built by the library from the passes' answers."""
    answers = {p.name: c.output for p, _, c in requests}
    repairs = [f"{p.name}: {r}" for p, request, _ in requests for r in request.repairs]
    return _Part(chunk, _passes.assemble(answers, doc), [c for _, _, c in requests], repairs)


def _spent(parts: list[_Part]) -> float:
    """What the parts' model calls cost; an unknown cost counts as 0, as in a batch."""
    return sum(c.cost_usd or 0.0 for p in parts for c in p.completions)


def _noted(
    parts: list[_Part], chunk: Chunk, smaller: list[Chunk], error: OutputValidationError
) -> list[_Part]:
    """``parts``, the first one's repairs saying why the part was briefed in smaller parts."""
    note = f"characters {chunk.start}-{chunk.end}: {error}; briefed in {len(smaller)} smaller parts"
    parts[0].repairs.insert(0, note)
    return parts


@functools.cache
def schema_sha256(schema: type[BaseModel]) -> str:
    """sha256 of the JSON Schema the model is given: a changed description changes the answers too."""
    text = json.dumps(schema.model_json_schema(), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
