"""Briefing many documents: bounded concurrency, a cost budget, one failure never stops the rest.

:func:`run` is the library's batch (``Summarizer.batch``): an async iterator of one
:class:`BatchResult` per document, in the order they finish. Writing outputs, the manifest and
resuming are in :mod:`summarizer._manifest`.
"""

from __future__ import annotations

import asyncio
import functools
import glob
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from summarizer import _ids
from summarizer._budget import Budget
from summarizer._concurrency import map_bounded
from summarizer._documents import read_document, text_sha256
from summarizer._errors import InputError, SummarizerError

if TYPE_CHECKING:
    from summarizer._core import Summarizer

Status = Literal["ok", "cached", "failed", "skipped"]

DOCUMENT_SUFFIXES = (".txt", ".md", ".text")
"""Files a folder contributes to a batch."""


@dataclass(frozen=True)
class Doc:
    """One document of a batch; the text is read when its turn comes."""

    id: str
    source: str
    read: Callable[[], str]

    @classmethod
    def from_text(cls, id: str, text: str, source: str = "") -> Doc:
        return cls(id=id, source=source or id, read=lambda: text)


@dataclass
class BatchResult:
    """What became of one document."""

    id: str
    source: str
    status: Status
    brief: Any = None
    text: str | None = None
    error_type: str | None = None
    error: str | None = None
    latency_s: float = 0.0
    source_sha256: str | None = None
    outputs: list[str] = field(default_factory=list)

    def manifest_line(self) -> dict[str, Any]:
        meta = getattr(self.brief, "meta", None)
        return {
            "id": self.id,
            "source": self.source,
            "status": self.status,
            "error_type": self.error_type,
            "error": self.error,
            "prompt_tokens": getattr(meta, "prompt_tokens", None),
            "completion_tokens": getattr(meta, "completion_tokens", None),
            "cost_usd": getattr(meta, "cost_usd", None) if self.status == "ok" else 0.0,
            "latency_s": round(self.latency_s, 3),
            "retries": getattr(meta, "retries", None),
            "transient_retries": getattr(meta, "transient_retries", None),
            "source_sha256": self.source_sha256,
            "outputs": self.outputs,
        }


async def run(
    summarizer: Summarizer,
    docs: Iterable[Doc],
    *,
    concurrency: int = 4,
    max_cost: float | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[BatchResult]:
    """Brief ``docs`` with at most ``concurrency`` in flight; yield each result as it finishes.

    Once ``max_cost`` (USD) would be exceeded, or ``stop`` is set, no more documents start:
    those left are yielded as ``skipped`` (budget) or not at all (stop). Leaving the iterator
    early cancels the documents in flight.
    """
    budget = Budget(max_cost)

    def over_budget(doc: Doc, running: int) -> BatchResult | None:
        if budget.allows(running):
            return None
        return BatchResult(
            doc.id,
            doc.source,
            "skipped",
            error_type="BudgetExceeded",
            error=f"not started: the budget of ${max_cost} would be exceeded",
        )

    one = functools.partial(_one, summarizer)
    async with aclosing(map_bounded(one, docs, limit=concurrency, skip=over_budget, stop=stop)) as results:
        async for result in results:
            if result.status == "ok":
                budget.add(getattr(getattr(result.brief, "meta", None), "cost_usd", None))
            yield result


async def _one(summarizer: Summarizer, doc: Doc) -> BatchResult:
    started = time.monotonic()
    result = BatchResult(doc.id, doc.source, "failed")
    try:
        result.text = await asyncio.to_thread(doc.read)
        result.source_sha256 = text_sha256(result.text)
        result.brief = await summarizer.asummarize(result.text)
        meta = getattr(result.brief, "meta", None)
        result.status = "cached" if getattr(meta, "cached", False) else "ok"
    except SummarizerError as e:
        result.error_type, result.error = type(e).__name__, str(e)
    except Exception as e:  # one document's bug must not stop the others
        result.error_type, result.error = type(e).__name__, f"internal error: {e}"
    result.latency_s = time.monotonic() - started
    return result


# --- inputs --------------------------------------------------------------------------------


def collect(inputs: Iterable[str], *, from_jsonl: Path | None = None, max_bytes: int) -> list[Doc]:
    """Documents from files, folders (their .txt, .md and .text files) and globs, and a JSONL file.

    A file's id is its path relative to the folder given (its name, for a file or a glob match),
    without the suffix, made valid by :func:`summarizer._ids.from_path`; its source is its path.

    Raises:
        InputError: an input that matches nothing, a bad JSONL line or id, or two documents with
            one id.
    """
    docs: list[Doc] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in DOCUMENT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            docs += [_file_doc(p, _ids.from_path(p.relative_to(path)), max_bytes) for p in files]
        elif path.is_file():
            docs.append(_file_doc(path, _ids.from_path(Path(path.name)), max_bytes))
        else:
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not matches:
                raise InputError(f"no such file, folder or match: {item}")
            docs += [_file_doc(p, _ids.from_path(Path(p.name)), max_bytes) for p in matches]
    if from_jsonl is not None:
        docs += _jsonl_docs(from_jsonl)
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.id in seen:
            raise InputError(f"two documents have the id {doc.id!r}: {seen[doc.id]} and {doc.source}")
        seen[doc.id] = doc.source
    return docs


def _file_doc(path: Path, id: str, max_bytes: int) -> Doc:
    return Doc(
        id=_ids.checked(id, str(path)),
        source=str(path),
        read=lambda: read_document(path, max_bytes=max_bytes).text,
    )


def _jsonl_docs(path: Path) -> list[Doc]:
    import sys

    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    docs = []
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                row = json.loads(line)
            except ValueError as e:
                raise InputError(f"{where}: not JSON: {e}") from e
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or "id" not in row:
                raise InputError(f'{where}: each line must be {{"id": ..., "text": "..."}}')
            docs.append(Doc.from_text(_ids.checked(str(row["id"]), where), row["text"], where))
    return docs
