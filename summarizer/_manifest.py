"""A batch on disk: outputs written atomically, ``manifest.jsonl`` appended and fsync'd, resume.

Each document's outputs are written first, then its manifest line, so a crash between the two
only means the document is done again on resume (its outputs replaced whole). The last line
for an id is its state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from summarizer._batch import BatchResult, Doc
from summarizer._documents import text_sha256
from summarizer._files import remove_temporaries, write_atomic
from summarizer._render import SUFFIXES, render

DONE = ("ok", "cached")


class Manifest:
    """``OUTDIR/manifest.jsonl``: one JSON line per document finished, failed or skipped."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.path = outdir / "manifest.jsonl"
        self._file: IO[str] | None = None

    def load(self) -> dict[str, dict[str, Any]]:
        """The last line of each id; a line cut short by a crash is ignored."""
        state: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return state
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and "id" in row:
                    state[str(row["id"])] = row
        return state

    def append(self, row: dict[str, Any]) -> None:
        if self._file is None:
            self.outdir.mkdir(parents=True, exist_ok=True)
            needs_newline = (
                self.path.exists() and self.path.stat().st_size > 0 and not _ends_with_newline(self.path)
            )
            self._file = self.path.open("a", encoding="utf-8")
            if needs_newline:
                self._file.write("\n")
        self._file.write(_json_line(row) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _json_line(row: dict[str, Any]) -> str:
    """The row as one line of JSON, in UTF-8 where it can be; a file name that is not UTF-8 (held
    as lone surrogates) is kept as JSON escapes, which read back as the same name."""
    line = json.dumps(row, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(row)
    return line


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def pending(docs: Iterable[Doc], manifest: Manifest, *, force: bool) -> tuple[list[Doc], int]:
    """The documents still to do, and how many are already done (same source, outputs present)."""
    if force:
        docs = list(docs)
        return docs, 0
    state = manifest.load()
    todo: list[Doc] = []
    done = 0
    for doc in docs:
        row = state.get(doc.id)
        if row is not None and row.get("status") in DONE and _intact(row, manifest.outdir, doc):
            done += 1
        else:
            todo.append(doc)
    return todo, done


def _intact(row: dict[str, Any], outdir: Path, doc: Doc) -> bool:
    outputs = row.get("outputs") or []
    if not outputs or not all((outdir / o).is_file() for o in outputs):
        return False
    try:
        text = doc.read()
    except Exception:  # unreadable now: let the run report it
        return False
    return text_sha256(text) == row.get("source_sha256")


def remove_partial_outputs(outdir: Path) -> int:
    """Delete the temporary files of outputs a killed batch was writing (the outputs themselves
    appear whole or not at all); call it holding the folder's lock. Returns how many."""
    return remove_temporaries(outdir, SUFFIXES.values())


def write_outputs(result: BatchResult, outdir: Path, formats: list[str]) -> list[str]:
    """Write the brief in each format, atomically; return the paths relative to ``outdir``."""
    written = []
    for fmt in formats:
        relative = result.id + SUFFIXES[fmt]
        path = outdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, render(result.brief, fmt, result.text or ""))
        written.append(relative)
    return written
