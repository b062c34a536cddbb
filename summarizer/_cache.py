"""A content-addressed cache of briefs, in SQLite in the user cache directory.

The key covers everything that changes the output: the source's sha256, the model, the prompt's
sha256, the schema with its version and JSON Schema's sha256, the package's version, and the
settings that shape the answer. SQLite in WAL mode with a busy timeout keeps it safe with several
writers (batch workers, service workers, two CLI runs at once).

The cache is an optimisation and never fails a brief: a file that is not a database is moved
aside (``briefs.sqlite.corrupt-<time>``) and a new one started, an entry that cannot be read is a
miss, and a write that fails is logged and dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
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

log = logging.getLogger("summarizer.cache")


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
        self._warned = False

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            with self._setup_lock:
                db = self._open()
            self._local.db = db
        return db

    def _open(self) -> sqlite3.Connection:
        """A connection to a usable cache: a file that is not a database is moved aside first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        inode = _inode(self.path)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            _set_up(db)
            return db
        except sqlite3.DatabaseError as e:
            db.close()
            if isinstance(e, sqlite3.OperationalError):  # locked, or no permission: not corrupt
                raise
            self._move_aside(inode, e)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        _set_up(db)
        return db

    def _move_aside(self, inode: int | None, error: Exception) -> None:
        """Rename the unreadable file (and its WAL) to ``<name>.corrupt-<time>``, unless another
        process did already."""
        if inode is None or _inode(self.path) != inode:
            return
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, aside)
        for side in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(f"{self.path}{side}", f"{aside}{side}")
        self._warned = True
        log.warning(
            "the cache %s could not be read (%s): moved it to %s and started a new one",
            self.path,
            error,
            aside,
        )

    def _failed(self, action: str, error: Exception) -> None:
        """Log a failed read or write once per cache; the brief goes on without it."""
        if not self._warned:
            self._warned = True
            log.warning("the cache %s failed to %s (%s): going on without it", self.path, action, error)
        else:
            log.debug("the cache %s failed to %s: %s", self.path, action, error)

    def get(self, key: str) -> str | None:
        """The value stored under ``key``; ``None`` when there is none or it cannot be read."""
        try:
            row = self._db().execute("SELECT value FROM briefs WHERE key = ?", (key,)).fetchone()
        except (sqlite3.Error, OSError) as e:
            self._failed("read an entry", e)
            return None
        return None if row is None else str(row[0])

    def put(self, key: str, model: str, value: str) -> None:
        """Store ``value``; a failure is logged, never raised."""
        try:
            self._db().execute(
                "INSERT OR REPLACE INTO briefs (key, created, model, value) VALUES (?, ?, ?, ?)",
                (key, time.time(), model, value),
            )
        except (sqlite3.Error, OSError) as e:
            self._failed("write an entry", e)

    def stats(self) -> CacheStats:
        if not self.path.exists():
            return CacheStats(self.path, 0, 0, {})
        db = self._db()
        models = dict(db.execute("SELECT model, COUNT(*) FROM briefs GROUP BY model").fetchall())
        files = [self.path, *(Path(f"{self.path}{side}") for side in ("-wal", "-shm"))]
        size = sum(p.stat().st_size for p in files if p.exists())
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

    def close(self) -> None:
        """Close this thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None
