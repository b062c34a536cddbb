"""Writing files so that a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, fsync'd and renamed.

    The file gets the mode the umask gives, as with ``cp`` or a shell redirection (``mkstemp``
    would give 0600 whatever the umask).
    """
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create(directory, path.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create(directory: Path, name: str) -> tuple[int, Path]:
    """A new, hidden temporary file beside ``name``, created with mode 0666 less the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def remove_temporaries(directory: Path, suffixes: Iterable[str]) -> int:
    """Delete the temporary files that write_atomic left under ``directory`` for files ending in
    one of ``suffixes``, when its process was killed; returns how many. Only for a folder no one
    else writes to (a batch holds its lock)."""
    ends = "|".join(re.escape(s) for s in suffixes)
    name = re.compile(rf"\..+(?:{ends})\.[0-9a-f]{{8}}\.tmp")  # _create's name for the file
    removed = 0
    for path in directory.rglob(".*.tmp"):
        if name.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
