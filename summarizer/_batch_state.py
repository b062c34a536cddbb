"""The state of a folder's provider batch: ``OUTDIR/.provider-batch.sqlite``.

It holds what :mod:`summarizer._provider_batch` needs to finish a batch in another process, a day
later: the settings of the submission, the documents (their text, compressed), their parts, each
request (its round, its batch, its answer once downloaded) and each batch. Requests themselves
are not stored: they are rebuilt from the documents.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer._chunking import Chunk

if TYPE_CHECKING:
    from summarizer._batch import Doc
    from summarizer._batch_api import Answer
    from summarizer._manifest import Manifest

STATE_NAME = ".provider-batch.sqlite"
"""Hidden, so that no document id can name it."""


@dataclass(frozen=True)
class StoredDocument:
    """A document of the batch, with its current parts (by position)."""

    n: int
    id: str
    source: str
    sha256: str
    text: str
    submitted: float
    parts: list[tuple[int, Chunk, int, str | None]]  # part, chunk, halvings, note; by position


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,
    text BLOB NOT NULL, submitted REAL NOT NULL, open INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS parts (
    doc INTEGER NOT NULL, part INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    halvings INTEGER NOT NULL, note TEXT, split INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (doc, part)
);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, doc INTEGER NOT NULL, part INTEGER NOT NULL, step TEXT NOT NULL,
    attempt INTEGER NOT NULL, round INTEGER NOT NULL, job TEXT, answer BLOB, error TEXT
);
CREATE INDEX IF NOT EXISTS requests_by_doc ON requests (doc, part);
CREATE INDEX IF NOT EXISTS requests_by_job ON requests (job);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, round INTEGER NOT NULL, requests INTEGER NOT NULL, state TEXT NOT NULL,
    submitted REAL NOT NULL, token TEXT NOT NULL
);
"""
# A job's state: "submitting" (its id not known yet: the id is "?" and its token), "submitted",
# then "downloaded". A request is queued (no job), waiting (a job, no answer), or answered.


@dataclass(frozen=True)
class Row:
    """One attempt of one request: its answer, or why there is none; neither while it waits."""

    id: str
    attempt: int
    answer: dict[str, Any] | None
    error: str | None


class BatchState:
    """``OUTDIR/.provider-batch.sqlite``. Changes are committed by the caller, at the points where
    the state is whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level="DEFERRED")
            self._db.executescript(_SCHEMA)
        return self._db

    def __enter__(self) -> BatchState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.rollback()
            self._db.close()
            self._db = None

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    def exists(self) -> bool:
        return bool(self.db.execute("SELECT count(*) FROM meta").fetchone()[0])

    def clear(self) -> None:
        """Forget a batch that was collected whole."""
        for table in ("meta", "docs", "parts", "requests", "jobs"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.commit()

    def start(self, meta: dict[str, Any]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )

    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def add_document(self, doc: Doc, text: str, sha256: str | None) -> int:
        cursor = self.db.execute(
            "INSERT INTO docs (id, source, sha256, text, submitted) VALUES (?, ?, ?, ?, ?)",
            (doc.id, doc.source, sha256, zlib.compress(text.encode("utf-8", "surrogatepass")), time.time()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def add_part(self, doc: int, part: int, chunk: Chunk, *, halvings: int, note: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO parts (doc, part, start, end, halvings, note) VALUES (?, ?, ?, ?, ?, ?)",
            (doc, part, chunk.start, chunk.end, halvings, note),
        )

    def split_part(
        self, doc: int, part: int, smaller: list[Chunk], halvings: int, note: str
    ) -> list[tuple[int, Chunk]]:
        """Replace ``part`` by ``smaller`` parts (the first noting why); return them, numbered."""
        top = self.db.execute("SELECT max(part) FROM parts WHERE doc = ?", (doc,)).fetchone()[0]
        self.db.execute("UPDATE parts SET split = 1 WHERE doc = ? AND part = ?", (doc, part))
        added = []
        for i, chunk in enumerate(smaller):
            self.add_part(doc, top + 1 + i, chunk, halvings=halvings, note=note if i == 0 else None)
            added.append((top + 1 + i, chunk))
        return added

    def add_requests(self, doc: int, requests: list[tuple[str, int, str, int]], *, round: int) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO requests (id, doc, part, step, attempt, round) VALUES (?, ?, ?, ?, ?, ?)",
            [(id, doc, part, step, attempt, round) for id, part, step, attempt in requests],
        )

    def submitting(self, token: str, requests: list[str], round: int) -> str:
        """Record that ``requests`` are being submitted, before the provider has them."""
        placeholder = f"?{token}"
        self.db.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, 'submitting', ?, ?)",
            (placeholder, round, len(requests), time.time(), token),
        )
        self.db.executemany("UPDATE requests SET job = ? WHERE id = ?", [(placeholder, r) for r in requests])
        self.db.commit()
        return placeholder

    def submitted(self, placeholder: str, job_id: str) -> None:
        self.db.execute("UPDATE requests SET job = ? WHERE job = ?", (job_id, placeholder))
        self.db.execute("UPDATE jobs SET id = ?, state = 'submitted' WHERE id = ?", (job_id, placeholder))
        self.db.commit()

    def unsubmitted(self, placeholder: str) -> None:
        self.db.execute("UPDATE requests SET job = NULL WHERE job = ?", (placeholder,))
        self.db.execute("DELETE FROM jobs WHERE id = ?", (placeholder,))
        self.db.commit()

    def submissions_in_doubt(self) -> list[tuple[str, str, int, float]]:
        return list(
            self.db.execute("SELECT id, token, requests, submitted FROM jobs WHERE state = 'submitting'")
        )

    def waiting_jobs(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM jobs WHERE state = 'submitted' ORDER BY rowid")]

    def job_ids(self) -> list[str]:
        return [
            r[0] for r in self.db.execute("SELECT id FROM jobs WHERE state != 'downloaded' ORDER BY rowid")
        ]

    def jobs(self) -> list[tuple[str, int, int, str]]:
        return list(self.db.execute("SELECT id, round, requests, state FROM jobs ORDER BY rowid"))

    def rounds(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(round), 0) FROM jobs").fetchone()[0])

    def answered(self, job_id: str, answers: list[Answer], why: str) -> None:
        """Store a batch's answers, and ``why`` for its requests that got none, in one transaction."""
        self.db.executemany(
            "UPDATE requests SET answer = ?, error = ? WHERE id = ? AND job = ?",
            [
                (
                    None if a.completion is None else zlib.compress(json.dumps(a.completion).encode()),
                    a.error,
                    a.custom_id,
                    job_id,
                )
                for a in answers
            ],
        )
        self.db.execute(
            "UPDATE requests SET error = ? WHERE job = ? AND answer IS NULL AND error IS NULL", (why, job_id)
        )
        self.db.execute("UPDATE jobs SET state = 'downloaded' WHERE id = ?", (job_id,))
        self.db.commit()

    def open_documents(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM docs WHERE open = 1").fetchone()[0])

    def ready_documents(self) -> list[int]:
        """Open documents none of whose current requests is still in a batch."""
        return [
            r[0]
            for r in self.db.execute(
                """SELECT n FROM docs WHERE open = 1 AND n NOT IN (
                       SELECT r.doc FROM requests r JOIN parts p ON p.doc = r.doc AND p.part = r.part
                       WHERE p.split = 0 AND r.job IS NOT NULL AND r.answer IS NULL AND r.error IS NULL
                   ) ORDER BY n"""
            )
        ]

    def document(self, n: int, *, text: bool = True) -> StoredDocument:
        """Document ``n`` with its current parts; without its text (nor its parts') if not ``text``."""
        id, source, sha, packed, submitted = self.db.execute(
            "SELECT id, source, sha256, text, submitted FROM docs WHERE n = ?", (n,)
        ).fetchone()
        full = zlib.decompress(packed).decode("utf-8", "surrogatepass") if text else ""
        parts = [
            (part, Chunk(start, end, full[start:end]), halvings, note)
            for part, start, end, halvings, note in self.db.execute(
                "SELECT part, start, end, halvings, note FROM parts"
                " WHERE doc = ? AND split = 0 ORDER BY start",
                (n,),
            )
        ]
        return StoredDocument(n, id, source, sha, full, submitted, parts)

    def attempts(self, doc: int, part: int) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = {}
        for id, step, attempt, answer, error in self.db.execute(
            "SELECT id, step, attempt, answer, error FROM requests"
            " WHERE doc = ? AND part = ? ORDER BY attempt",
            (doc, part),
        ):
            loaded = None if answer is None else json.loads(zlib.decompress(answer))
            rows.setdefault(step, []).append(Row(id, attempt, loaded, error))
        return rows

    def close_document(self, n: int) -> None:
        self.db.execute("UPDATE docs SET open = 0 WHERE n = ?", (n,))
        self.db.commit()

    def document_counts(self, book: Manifest) -> dict[str, Any]:
        """How many documents of this batch are written, failed or open, from the manifest."""
        state = book.load()
        counts: dict[str, Any] = {"documents": 0, "ok": 0, "failed": 0, "open": 0, "spent": 0.0}
        for id, open in self.db.execute("SELECT id, open FROM docs"):
            counts["documents"] += 1
            row = state.get(id) or {}
            if open:
                counts["open"] += 1
            elif row.get("status") == "ok":
                counts["ok"] += 1
                counts["spent"] += row.get("cost_usd") or 0.0
            else:
                counts["failed"] += 1
        return counts
