"""One batch at a time per output folder: a lock on ``OUTDIR/.batch.lock``, and who holds it.

Two batches writing one folder would both pay the provider for its documents, and each would
count ``--max-cost`` on its own. The lock is an OS file lock (``filelock``), so the end of the
process that holds it, even by ``kill -9``, frees it. ``OUTDIR/.batch.lock.owner`` says who
holds it, for the message that refuses a second batch.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from summarizer._errors import InputError
from summarizer._files import write_atomic

LOCK_NAME = ".batch.lock"
OWNER_NAME = ".batch.lock.owner"


@contextmanager
def folder_lock(outdir: Path, command: str) -> Iterator[None]:
    """Hold ``outdir``'s lock while the block runs.

    Args:
        outdir: the batch's output folder (created if need be).
        command: what holds it, named to a second batch that is refused.

    Raises:
        InputError: another process holds the lock; the message names it.
    """
    from filelock import FileLock, Timeout

    outdir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(outdir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise InputError(
            f"{outdir}/ is in use by another batch ({_owner(outdir)}): wait for it to finish,"
            " or give another --output folder"
        ) from None
    owner = outdir / OWNER_NAME
    try:
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": started, "command": command}
        write_atomic(owner, json.dumps(me) + "\n")  # ASCII: an argument may not be UTF-8
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _owner(outdir: Path) -> str:
    """Who holds ``outdir``'s lock, as its owner file says."""
    try:
        info: Any = json.loads((outdir / OWNER_NAME).read_text(encoding="utf-8"))
        return f"pid {info['pid']} on {info['host']}, since {info['started']}: {info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"it holds {outdir / LOCK_NAME}; who it is is not written yet"
