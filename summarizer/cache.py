"""A content-addressed cache of briefs, in SQLite in the user cache directory.

The key covers everything that changes the output: the source's sha256, the model, the prompt's
sha256, the schema with its version and JSON Schema's sha256, the package's version, and the
settings that shape the answer. SQLite in WAL mode with a busy timeout keeps it safe with several
writers (batch workers, service workers, two CLI runs at once).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_random

_SCHEMA = """
CREATE TABLE IF NOT EXISTS briefs (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    value TEXT NOT NULL
)
"""


def cache_key(**parts: Any) -> str:
    """sha256 of the parts, written as canonical JSON."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    size_bytes: int
    models: dict[str, int]


@retry(
    retry=retry_if_exception_type(sqlite3.OperationalError),
    stop=stop_after_delay(30),
    wait=wait_random(0.01, 0.1),
    reraise=True,
)
def _set_up(db: sqlite3.Connection) -> None:
    """Switch to WAL and create the table.

    Switching the journal mode takes an exclusive lock and SQLite answers "database is locked"
    at once, without waiting out the busy timeout, when another connection (another thread, or
    another process opening the same file) is doing the same. Threads are serialised by the
    caller's lock; processes are retried here.
    """
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(_SCHEMA)


class BriefCache:
    """get/put of JSON briefs by key; one connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._setup_lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            with self._setup_lock:
                _set_up(db)
            self._local.db = db
        return db

    def get(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM briefs WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, model: str, value: str) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO briefs (key, created, model, value) VALUES (?, ?, ?, ?)",
            (key, time.time(), model, value),
        )

    def stats(self) -> CacheStats:
        if not self.path.exists():
            return CacheStats(self.path, 0, 0, {})
        db = self._db()
        models = dict(db.execute("SELECT model, COUNT(*) FROM briefs GROUP BY model").fetchall())
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))
        return CacheStats(self.path, sum(models.values()), size, models)

    def clear(self) -> int:
        """Delete every entry; returns how many there were."""
        if not self.path.exists():
            return 0
        db = self._db()
        count = int(db.execute("SELECT COUNT(*) FROM briefs").fetchone()[0])
        db.execute("DELETE FROM briefs")
        db.execute("VACUUM")
        return count
