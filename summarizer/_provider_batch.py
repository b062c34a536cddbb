"""Briefing an archive through a provider's batch API, at batch prices: submit, then collect.

:func:`submit` sends each document's first requests (every pass of every part: a long
document's parts go in the same batch) as one or more provider batches, and keeps what is
needed to finish them in ``OUTDIR/.provider-batch.sqlite``: the documents, their parts, each
request, and its answer once downloaded. :func:`collect` downloads the answers of the batches
that have ended, parses and checks them exactly as the direct route does, grounds and merges
them, writes each finished document's outputs and manifest line as the direct route does, and
asks again what failed the checks: in a second, smaller batch, or directly (``reask="direct"``).
Each step is recorded before the next, so a ``collect`` interrupted anywhere resumes, and a
batch is never submitted twice.

Requests are rebuilt from their documents when they are needed (a re-ask from the request
before it, its answer and the problems found), not stored: a 100,000-document run would
otherwise keep gigabytes of prompts.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from summarizer import _batch_api, _passes
from summarizer._batch import BatchResult, Doc
from summarizer._batch_state import STATE_NAME, BatchState, StoredDocument
from summarizer._checks import Request
from summarizer._chunking import Chunk
from summarizer._concurrency import map_bounded
from summarizer._documents import text_sha256
from summarizer._errors import (
    BudgetError,
    ConfigError,
    InputError,
    OutputValidationError,
    ProviderError,
    SummarizerError,
)
from summarizer._folder_lock import folder_lock
from summarizer._manifest import Manifest, pending, write_outputs

if TYPE_CHECKING:
    from summarizer._config import Settings
    from summarizer._core import Summarizer, _Job, _Part
    from summarizer._engine import Completion, Engine

EXPECTED_COMPLETION_TOKENS = 150
"""Tokens an answer is expected to take, for the estimate (one pass of a brief of the seed
writes about 110); capped at ``max_tokens``."""

ONE_PASS = "extract"
"""The step name of a schema other than a brief, asked in one request."""

Reask = Literal["batch", "direct"]

# Settings that shape the requests and their answers: those of the submission hold at collection.
_KEPT = (
    "model",
    "api_base",
    "api_key_env",
    "temperature",
    "max_tokens",
    "mode",
    "max_retries",
    "prompt",
    "prompt_dir",
    "schema",
    "strict_grounding",
    "chunk_tokens",
    "cache",  # --no-cache at submission: the briefs collected are not cached either
)


@dataclass(frozen=True)
class Estimate:
    """What a round of requests is expected to cost."""

    requests: int
    prompt_tokens: int  # counted with the model's tokenizer
    completion_tokens: int  # expected: EXPECTED_COMPLETION_TOKENS per answer
    batch_usd: float | None  # at batch prices; None if the model's price is not known
    direct_usd: float | None  # the same requests at direct prices
    ceiling_usd: float | None  # at batch prices, every answer at max_tokens
    prices: str  # where the batch prices come from: "price map", "discount" or "unknown"


@dataclass(frozen=True)
class BatchJob:
    """A provider batch submitted for an output folder: pass it, or the folder, to collect it."""

    outdir: Path
    provider: str
    model: str
    jobs: tuple[str, ...]  # the provider's batch ids
    documents: int  # submitted
    parts: int  # of those documents (a long document has several)
    estimate: Estimate
    done_before: int = 0  # already done in the folder, not submitted again
    cached: int = 0  # written from the cache, not submitted
    failed: int = 0  # could not be read or planned: their manifest lines say why


@dataclass(frozen=True)
class JobProgress:
    """One provider batch of a folder."""

    id: str
    round: int
    requests: int
    status: str  # the provider's word, or "collected"
    succeeded: int
    failed: int


@dataclass(frozen=True)
class BatchProgress:
    """Where a folder's provider batch stands."""

    outdir: Path
    provider: str
    model: str
    rounds: int
    jobs: tuple[JobProgress, ...]
    documents: int
    written: int  # briefed and written
    failed: int
    waiting: int  # still in a batch
    spent_usd: float

    @property
    def finished(self) -> bool:
        return self.waiting == 0


@dataclass
class BatchCollection:
    """What a :func:`collect` did: where the batch stands, and the documents it finished."""

    progress: BatchProgress
    results: list[BatchResult] = field(default_factory=list)


def is_open(outdir: Path) -> bool:
    """Whether ``outdir`` holds a provider batch not yet collected."""
    path = outdir / STATE_NAME
    if not path.exists():
        return False
    with BatchState(path) as store:
        return store.open_documents() > 0


# --- submit --------------------------------------------------------------------------------------


def submit(
    summarizer: Summarizer,
    docs: Iterable[Doc],
    outdir: Path,
    *,
    formats: list[str] | None = None,
    max_cost: float | None = None,
    force: bool = False,
    command: str = "summarizer (library): submit_batch",
) -> BatchJob:
    """Submit the first requests of ``docs`` as provider batches; see the module's docstring.

    Documents done before in ``outdir`` are skipped (``force`` redoes them), and those in the
    cache are written at once, as the direct route does.

    Raises:
        ConfigError: the provider cannot batch (the message names ``--via direct``).
        InputError: ``outdir`` holds a batch not yet collected.
        BudgetError: the estimate is over ``max_cost``, or unknown: nothing is submitted.
        ProviderError: the submission failed.
    """
    settings = summarizer.settings
    _batch_api.refuse_unbatchable(settings)
    engine = summarizer._get_engine()
    api = _batch_api.for_target(settings, engine.target)
    formats = formats or ["json"]
    unknown = sorted(set(formats) - {"json", "md", "html"})
    if unknown:
        raise InputError(f"unknown output format {unknown[0]!r}: json, md or html")
    with folder_lock(outdir, command), BatchState(outdir / STATE_NAME) as store:
        if store.exists():
            _recover(store, api)
            if store.open_documents():
                raise InputError(
                    f"{outdir}/ has a provider batch not yet collected ({', '.join(store.job_ids())}):"
                    f" run `summarizer batch collect {outdir}` first"
                )
            store.clear()
        api.check()
        book = Manifest(outdir)
        try:
            return _submit(summarizer, engine, api, store, book, docs, outdir, formats, max_cost, force)
        finally:
            book.close()


def _submit(
    summarizer: Summarizer,
    engine: Engine,
    api: _batch_api.BatchAPI,
    store: BatchState,
    book: Manifest,
    docs: Iterable[Doc],
    outdir: Path,
    formats: list[str],
    max_cost: float | None,
    force: bool,
) -> BatchJob:
    todo, done_before = pending(docs, book, force=force)
    settings = summarizer.settings
    store.start(
        {
            "provider": engine.target.provider,
            "settings": {k: _plain(getattr(settings, k)) for k in _KEPT},
            "fingerprint": _fingerprint(summarizer),
            "formats": formats,
            "created": time.time(),
        }
    )
    spool = _Spool(api, outdir, settings.provider_batch_requests)
    try:
        counted = _Count(engine)
        cached = failed = parts = 0
        submitted = 0
        for doc in todo:
            result = BatchResult(doc.id, doc.source, "failed")
            try:
                result.text = doc.read()
                result.source_sha256 = text_sha256(result.text)
                job = summarizer._prepare(result.text, None, None)
                hit = summarizer._cached(job)
                if hit is not None:
                    result.brief, result.status = hit, "cached"
                    result.outputs = write_outputs(result, outdir, formats)
                    book.append(result.manifest_line())
                    cached += 1
                    continue
                chunks = summarizer._plan(job, engine)
            except SummarizerError as e:
                result.error_type, result.error = type(e).__name__, str(e)
                book.append(result.manifest_line())
                failed += 1
                continue
            n = store.add_document(doc, result.text, result.source_sha256)
            requests = []
            for part, chunk in enumerate(chunks, 1):
                store.add_part(n, part, chunk, halvings=0)
                requests += _first_requests(engine, job, n, part, chunk)
            spool.add(n, requests)
            counted.add(requests)
            store.add_requests(n, [(r.id, r.part, r.step, 1) for r in requests], round=1)
            submitted += 1
            parts += len(chunks)
        estimate = counted.estimate(engine)
        if submitted and max_cost is not None:
            if estimate.batch_usd is None:
                store.rollback()
                raise BudgetError(
                    f"{engine.target.model_name} has no price in litellm's price map, so --max-cost cannot"
                    " be checked: nothing submitted (leave out --max-cost to submit anyway)",
                    spent=0.0,
                )
            if estimate.batch_usd > max_cost:
                store.rollback()
                raise BudgetError(
                    f"the estimated cost of {estimate.requests:,} requests, ${estimate.batch_usd:.4f}"
                    f" at batch prices, is over --max-cost ${max_cost:g}: nothing submitted",
                    spent=0.0,
                )
        store.commit()
    except BaseException:
        spool.close()
        raise
    jobs = _send(store, api, spool, book, round=1)
    return BatchJob(
        outdir=outdir,
        provider=engine.target.provider,
        model=settings.model,
        jobs=tuple(jobs),
        documents=submitted,
        parts=parts,
        estimate=estimate,
        done_before=done_before,
        cached=cached,
        failed=failed,
    )


@dataclass(frozen=True)
class _Request:
    """One request to send: its custom id, where it belongs, and the request itself."""

    id: str
    doc: int
    part: int
    step: str
    attempt: int
    kwargs: dict[str, Any]


def _custom_id(doc: int, part: int, step: str, attempt: int) -> str:
    # Anthropic takes 1-64 of [a-zA-Z0-9_-]: a document's id may be anything, so it goes by number.
    return f"d{doc}-p{part}-{step}-a{attempt}"


def _steps(
    job: _Job, chunk: Chunk
) -> list[tuple[str, list[dict[str, str]], type[BaseModel], Request | None]]:
    """Each request of a part: its step, messages, response model and the checks' view of it.
    All passes are asked at once, so a pass asked after the participants' gets a transcript's
    speakers (known before any answer), or no list of actors."""
    if not job.in_passes:
        return [(ONE_PASS, job.messages(chunk.text), job.schema, None)]
    doc = job.numbered(chunk)
    speakers = _passes.speakers(doc)
    steps: list[tuple[str, list[dict[str, str]], type[BaseModel], Request | None]] = []
    for p in _passes.passes_for(doc):
        people = speakers if p.after is not None else None
        model = _passes.response_model(p, doc, people)
        steps.append((p.name, _passes.messages(job.prompt, p, doc), model, Request(doc, people=people)))
    return steps


def _first_requests(engine: Engine, job: _Job, doc: int, part: int, chunk: Chunk) -> list[_Request]:
    return [
        _Request(_custom_id(doc, part, step, 1), doc, part, step, 1, engine.batch_request(messages, model))
        for step, messages, model, _ in _steps(job, chunk)
    ]


class _Count:
    """Tokens of the requests, for the estimate."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.requests = 0
        self.prompt_tokens = 0

    def add(self, requests: list[_Request]) -> None:
        for r in requests:
            messages = r.kwargs["messages"]
            tokens = self.engine.target.count_tokens(messages)
            self.prompt_tokens += tokens if tokens is not None else len(json.dumps(messages)) // 4
        self.requests += len(requests)

    def estimate(self, engine: Engine) -> Estimate:
        prices = engine.batch_prices()
        expected = self.requests * min(EXPECTED_COMPLETION_TOKENS, engine.settings.max_tokens)
        ceiling = self.requests * engine.settings.max_tokens
        return Estimate(
            requests=self.requests,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=expected,
            batch_usd=prices.cost(self.prompt_tokens, expected, batch=True),
            direct_usd=prices.cost(self.prompt_tokens, expected, batch=False),
            ceiling_usd=prices.cost(self.prompt_tokens, ceiling, batch=True),
            prices=prices.source,
        )


class _Spool:
    """Batch lines written to temporary files as they are made, a document's requests always in
    one batch, each batch within the provider's limits."""

    def __init__(self, api: _batch_api.BatchAPI, outdir: Path, max_requests: int = 0) -> None:
        self.api = api
        self.outdir = outdir
        self.max_requests = min(max_requests or api.max_requests, api.max_requests)
        self.batches: list[tuple[IO[bytes], list[str]]] = []
        self.documents: list[list[tuple[int, int]]] = []  # each batch's documents and their requests
        self._bytes = 0

    def add(self, doc: int, requests: list[_Request]) -> None:
        lines = [(json.dumps(self.api.line(r.id, r.kwargs)) + "\n").encode("utf-8") for r in requests]
        size = sum(len(line) for line in lines)
        full = bool(self.batches) and (
            len(self.batches[-1][1]) + len(lines) > self.max_requests
            or self._bytes + size > self.api.max_bytes
        )
        if not self.batches or (full and self.batches[-1][1]):
            spooled = tempfile.TemporaryFile(dir=self.outdir, prefix=".provider-batch-")  # noqa: SIM115
            self.batches.append((spooled, []))
            self.documents.append([])
            self._bytes = 0
        file, ids = self.batches[-1]
        self.documents[-1].append((doc, len(requests)))
        file.writelines(lines)
        ids += [r.id for r in requests]
        self._bytes += size

    def close(self) -> None:
        for file, _ in self.batches:
            file.close()
        self.batches = []


def _send(
    store: BatchState, api: _batch_api.BatchAPI, spool: _Spool, book: Manifest, *, round: int
) -> list[str]:
    """Submit the spooled batches; each id is recorded, and each of its documents gets a
    ``submitted`` manifest line, before the next submission."""
    ids = []
    try:
        for (file, requests), documents in zip(spool.batches, spool.documents, strict=True):
            file.seek(0)
            lines = file.read()
            token = secrets.token_hex(8)
            with _uninterrupted():
                placeholder = store.submitting(token, requests, round)
                job_id = api.submit(lines, len(requests), token)
                store.submitted(placeholder, job_id)
            ids.append(job_id)
            for n, count in documents:
                doc = store.document(n, text=False)
                book.append(_submitted_line(doc.id, doc.source, doc.sha256, job_id, count, round))
    finally:
        spool.close()
    return ids


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C until the block ends: a batch the provider accepted must have its id recorded
    (in the main thread only: elsewhere signals do not arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _recover(store: BatchState, api: _batch_api.BatchAPI) -> None:
    """Settle submissions cut off before their id was recorded: find the batch at the provider,
    or put its requests back to be submitted."""
    for placeholder, token, count, submitted in store.submissions_in_doubt():
        job_id = api.find(token, count, submitted)
        if job_id is not None:
            store.submitted(placeholder, job_id)
        else:
            store.unsubmitted(placeholder)


def _submitted_line(
    id: str, source: str, sha: str | None, job: str, count: int, round: int
) -> dict[str, Any]:
    """The manifest line of a document sent to a provider batch; its result's line follows."""
    return {
        "id": id,
        "source": source,
        "status": "submitted",
        "error_type": None,
        "error": None,
        "batch_job": job,
        "round": round,
        "requests": count,
        "source_sha256": sha,
        "outputs": [],
    }


# --- status and collect ---------------------------------------------------------------------------


def status(settings: Settings, outdir: Path) -> BatchProgress:
    """Where ``outdir``'s provider batch stands; asks the provider about the batches not collected."""
    summarizer, store = _reopen(settings, outdir)
    with store:
        api = _batch_api.for_target(summarizer.settings, summarizer._get_engine().target)
        return _progress(store, outdir, api, ask=True)


def collect(
    settings: Settings,
    outdir: Path,
    *,
    reask: Reask = "batch",
    wait: bool = True,
    poll_interval: float = 60.0,
    concurrency: int = 4,
    on_progress: Callable[[BatchProgress], None] | None = None,
    command: str = "summarizer (library): collect_batch",
) -> BatchCollection:
    """Download, check and write what ``outdir``'s provider batches have answered; see the
    module's docstring.

    Args:
        settings: for the key, the cache and retries; the settings that shape the requests are
            those the batch was submitted with.
        reask: where the answers that fail the checks are asked again: in a new provider batch,
            or directly (``concurrency`` at a time).
        wait: poll every ``poll_interval`` seconds until every document is done; else return
            after one look.
        on_progress: called after each look.
    """
    summarizer, store = _reopen(settings, outdir)
    collection = BatchCollection(_empty_progress(outdir))
    with folder_lock(outdir, command), store:
        engine = summarizer._get_engine()
        api = _batch_api.for_target(summarizer.settings, engine.target)
        _recover(store, api)
        book = Manifest(outdir)
        try:
            while True:
                _download(store, api)
                collection.results += _finish_ready(
                    summarizer, engine, api, store, book, outdir, reask, concurrency
                )
                collection.progress = _progress(store, outdir, api, ask=False)
                if on_progress is not None:
                    on_progress(collection.progress)
                if collection.progress.finished or not wait:
                    return collection
                time.sleep(poll_interval)
        finally:
            book.close()


def _reopen(settings: Settings, outdir: Path) -> tuple[Summarizer, BatchState]:
    """A Summarizer with the settings the batch was submitted with, and the batch's state.

    Raises:
        InputError: no provider batch in ``outdir``.
        ConfigError: the prompt, schema or library changed since it was submitted.
    """
    from summarizer._core import Summarizer

    path = outdir / STATE_NAME
    if not path.exists():
        raise InputError(
            f"{outdir}/ holds no provider batch (submit one with `summarizer batch --via provider`)"
        )
    store = BatchState(path)
    meta = store.meta()
    kept = dict(meta["settings"])
    if kept.get("prompt_dir") is not None:
        kept["prompt_dir"] = Path(kept["prompt_dir"])
    summarizer = Summarizer(settings.model_copy(update=kept))
    if _fingerprint(summarizer) != meta["fingerprint"]:
        store.close()
        raise ConfigError(
            f"the prompt, the schema or summarizer changed since the batch in {outdir}/ was submitted:"
            " collect it with the version and prompt that submitted it"
        )
    return summarizer, store


def _download(store: BatchState, api: _batch_api.BatchAPI) -> None:
    """Store the answers of every batch that has ended, one batch per transaction."""
    for job_id in store.waiting_jobs():
        job = api.status(job_id)
        if job.state != "ended":
            continue
        answers = api.answers(job_id)
        why = f"no answer: batch {job_id} ended as {job.status}" + (f" ({job.detail})" if job.detail else "")
        store.answered(job_id, answers, why)


@dataclass
class _Verdict:
    """What became of one step of one part: an output, a failure, a cut-off, or a request to send."""

    model: type[BaseModel]
    request: Request | None  # the checks' view of the step, earlier attempts replayed
    completion: Completion | None = None
    error: SummarizerError | None = None
    cut_off: OutputValidationError | None = None
    send: _Request | None = None  # a re-ask to send, or one queued and not yet sent
    reask: _Reask | None = None  # the same re-ask, to send directly instead


@dataclass(frozen=True)
class _Reask:
    messages: list[dict[str, Any]]
    retries: int  # re-asks left after this one
    answers: list[dict[str, Any]]  # the batch's answers so far, for their tokens


JUDGED_AT_ONCE = 500
"""Documents judged together (their direct re-asks sent together), bounding memory."""


def _finish_ready(
    summarizer: Summarizer,
    engine: Engine,
    api: _batch_api.BatchAPI,
    store: BatchState,
    book: Manifest,
    outdir: Path,
    reask: Reask,
    concurrency: int,
) -> list[BatchResult]:
    """Judge every document whose answers are all in: write it, fail it, or ask again."""
    results: list[BatchResult] = []
    spool = _Spool(api, outdir, summarizer.settings.provider_batch_requests)
    formats = store.meta()["formats"]
    round = store.rounds() + 1
    ready = store.ready_documents()
    try:
        for start in range(0, len(ready), JUDGED_AT_ONCE):
            judged = [
                (doc, _judge(summarizer, engine, store, doc))
                for doc in map(store.document, ready[start : start + JUDGED_AT_ONCE])
            ]
            if reask == "direct":
                _ask_directly(
                    engine,
                    [v for _, parts in judged for s in parts.values() for v in s.values()],
                    concurrency,
                )
            for doc, verdicts in judged:
                result, sends = _settle(summarizer, engine, store, doc, verdicts)
                if result is None:
                    store.add_requests(doc.n, [(r.id, r.part, r.step, r.attempt) for r in sends], round=round)
                    store.commit()
                    spool.add(doc.n, sends)
                    continue
                if result.status == "ok":
                    try:
                        result.outputs = write_outputs(result, outdir, formats)
                    except OSError as e:
                        result.status, result.error_type, result.error = "failed", "OSError", str(e)
                book.append(result.manifest_line())
                store.close_document(doc.n)
                results.append(result)
    except BaseException:
        spool.close()
        raise
    _send(store, api, spool, book, round=round)
    return results


def _judge(
    summarizer: Summarizer, engine: Engine, store: BatchState, doc: StoredDocument
) -> dict[int, dict[str, _Verdict]]:
    """Each step of each part of ``doc``, its answers parsed and checked as the direct route does
    (earlier attempts replayed, so the checks see what they saw)."""
    job = summarizer._prepare(doc.text, None, None)
    attempts = summarizer.settings.max_retries + 1
    prices = engine.batch_prices()
    verdicts: dict[int, dict[str, _Verdict]] = {}
    for part, chunk, _, _ in doc.parts:
        rows = store.attempts(doc.n, part)
        verdicts[part] = {}
        for step, messages, model, request in _steps(job, chunk):
            verdict = _Verdict(model, request)
            verdicts[part][step] = verdict
            kwargs = engine.batch_request(messages, model)
            if not rows.get(step):  # its part was split, and its requests not recorded yet
                verdict.send = _Request(_custom_id(doc.n, part, step, 1), doc.n, part, step, 1, kwargs)
                continue
            answered: list[dict[str, Any]] = []
            for row in rows[step]:
                if row.answer is None and row.error is None:  # queued, its batch never sent
                    verdict.send = _Request(row.id, doc.n, part, step, row.attempt, kwargs)
                    break
                if row.error is not None:
                    where = f"part {part} of {len(doc.parts)}, " if len(doc.parts) > 1 else ""
                    verdict.error = ProviderError(
                        f"the provider answered no {step} request ({where}attempt {row.attempt}):"
                        f" {row.error}",
                        provider=engine.target.provider,
                    )
                    break
                answer = row.answer
                assert answer is not None
                answered.append(answer)
                last = row.attempt >= attempts
                try:
                    output = engine.parse_answer(answer, model, request, last=last)
                except OutputValidationError as e:  # cut off at max_tokens
                    verdict.cut_off = e
                    break
                except (ValidationError, ValueError) as e:
                    if last:
                        verdict.error = engine.invalid_output(e, row.attempt)
                        break
                    kwargs = engine.reask_request(kwargs, answer, e)
                    if row is rows[step][-1]:
                        next_id = _custom_id(doc.n, part, step, row.attempt + 1)
                        verdict.send = _Request(next_id, doc.n, part, step, row.attempt + 1, kwargs)
                        verdict.reask = _Reask(kwargs["messages"], attempts - row.attempt - 1, answered)
                    continue
                verdict.completion = _completion(output, answered, prices)
                break
    return verdicts


def _completion(output: BaseModel, answers: list[dict[str, Any]], prices: Any) -> Completion:
    """The step's output and what its answers cost, at batch prices."""
    from summarizer._engine import Completion

    prompt = sum(_usage(a, "prompt_tokens") for a in answers)
    completion = sum(_usage(a, "completion_tokens") for a in answers)
    cached = sum(
        int(((a.get("usage") or {}).get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        for a in answers
    )
    return Completion(
        output=output,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cached_tokens=cached,
        cost_usd=prices.cost(prompt, completion, batch=True),
        attempts=len(answers),
        transient_retries=0,
    )


def _usage(answer: dict[str, Any], key: str) -> int:
    return int((answer.get("usage") or {}).get(key) or 0)


def _ask_directly(engine: Engine, verdicts: list[_Verdict], concurrency: int) -> None:
    """Send the re-asks directly, as the direct route would have sent them."""
    todo = [v for v in verdicts if v.reask is not None]
    if not todo:
        return
    prices = engine.batch_prices()

    async def one(verdict: _Verdict) -> None:
        reask = verdict.reask
        assert reask is not None
        verdict.send = verdict.reask = None
        try:
            direct = await engine.acomplete(
                reask.messages, verdict.model, verdict.request, retries=reask.retries
            )
        except SummarizerError as e:
            verdict.error = e
            return
        batch = _completion(direct.output, reask.answers, prices)
        costs = [batch.cost_usd, direct.cost_usd]
        verdict.completion = dataclasses.replace(
            direct,
            prompt_tokens=batch.prompt_tokens + direct.prompt_tokens,
            completion_tokens=batch.completion_tokens + direct.completion_tokens,
            cached_tokens=batch.cached_tokens + direct.cached_tokens,
            cost_usd=None if None in costs else sum(c for c in costs if c is not None),
            attempts=batch.attempts + direct.attempts,
        )

    async def all_of() -> None:
        async with contextlib.aclosing(map_bounded(one, todo, limit=concurrency)) as done:
            async for _ in done:
                pass

    asyncio.run(all_of())


def _settle(
    summarizer: Summarizer,
    engine: Engine,
    store: BatchState,
    doc: StoredDocument,
    verdicts: dict[int, dict[str, _Verdict]],
) -> tuple[BatchResult | None, list[_Request]]:
    """The document's result if it is finished, else its next requests (a part whose answer was
    cut off is split, as the direct route splits it, and its halves asked)."""
    result = BatchResult(doc.id, doc.source, "failed", text=doc.text, source_sha256=doc.sha256)
    result.latency_s = time.time() - doc.submitted
    every = [v for part in verdicts.values() for v in part.values()]
    error = next((v.error for v in every if v.error is not None), None)
    job = dataclasses.replace(
        summarizer._prepare(doc.text, None, None), started=time.monotonic() - result.latency_s
    )
    sends = [v.send for v in every if v.send is not None and v.cut_off is None]
    for part, chunk, halvings, _ in doc.parts if error is None else []:
        cut = next((v.cut_off for v in verdicts[part].values() if v.cut_off is not None), None)
        if cut is None:
            continue
        try:
            smaller = summarizer._smaller(job, chunk, cut, halvings)
        except OutputValidationError as e:
            error = e
            break
        why = f"characters {chunk.start}-{chunk.end}: {cut}; briefed in {len(smaller)} smaller parts"
        sends = [r for r in sends if r.part != part]
        for new, c in store.split_part(doc.n, part, smaller, halvings + 1, why):
            sends += _first_requests(engine, job, doc.n, new, c)
    if error is not None:
        result.error_type, result.error = type(error).__name__, str(error)
        return result, []
    if sends:
        return None, sends
    from summarizer._core import _assembled, _Part

    parts: list[_Part] = []
    for part, chunk, _, note in doc.parts:
        steps = verdicts[part]
        if job.in_passes:
            numbered = job.numbered(chunk)
            answered = [
                (p, steps[p.name].request, steps[p.name].completion) for p in _passes.passes_for(numbered)
            ]
            built = _assembled(chunk, numbered, answered)  # type: ignore[arg-type]
        else:
            completion = steps[ONE_PASS].completion
            assert completion is not None
            built = _Part(chunk, completion.output, [completion], [])
        if note:
            built.repairs.insert(0, note)
        parts.append(built)
    result.brief = summarizer._finish(job, parts)
    result.status = "ok"
    return result, []


def _progress(store: BatchState, outdir: Path, api: _batch_api.BatchAPI, *, ask: bool) -> BatchProgress:
    jobs = []
    for job_id, round, requests, state in store.jobs():
        if state == "submitting":  # cut off before its id came back: collect looks it up
            jobs.append(JobProgress("?", round, requests, "submitting", 0, 0))
            continue
        if state == "downloaded" or not ask:
            jobs.append(
                JobProgress(
                    job_id, round, requests, "collected" if state == "downloaded" else "submitted", 0, 0
                )
            )
            continue
        st = api.status(job_id)
        jobs.append(JobProgress(job_id, round, requests, st.status, st.succeeded, st.failed))
    counts = store.document_counts(Manifest(outdir))
    meta = store.meta()
    return BatchProgress(
        outdir=outdir,
        provider=meta["provider"],
        model=meta["settings"]["model"],
        rounds=store.rounds(),
        jobs=tuple(jobs),
        documents=counts["documents"],
        written=counts["ok"],
        failed=counts["failed"],
        waiting=counts["open"],
        spent_usd=counts["spent"],
    )


def _empty_progress(outdir: Path) -> BatchProgress:
    return BatchProgress(outdir, "", "", 0, (), 0, 0, 0, 0, 0.0)


def _fingerprint(summarizer: Summarizer) -> str:
    """What must not change between submission and collection: the model and its settings, the
    prompt, the schemas and this library's version (the cache key of a fixed text)."""
    return summarizer._cache_key(summarizer._prepare("fingerprint", None, None))


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value
