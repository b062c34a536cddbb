"""Batch ids: each names its output files (``OUT/<id>.json``), so two ids never name one file.

An id is a relative path: segments separated by ``/``, none empty, ``.``, ``..`` or starting
with ``.``, and no control character, line break or ``\\``. Ids are compared in Unicode NFC, the
form most file systems store. A file's id is derived from its name, which may hold anything
the file system allows: :func:`from_path` replaces what an id may not hold.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePath

from summarizer._errors import InputError

RULES = (
    "an id is a relative path: segments separated by '/', none empty, '.', '..' or starting with"
    " '.', with no control characters, line breaks or '\\'"
)


def _bad_char(c: str) -> bool:
    # C*: control, format, surrogate (bytes of a file name that are not UTF-8), private use,
    # unassigned; Zl, Zp: line and paragraph separators.
    return c == "\\" or unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")


def problem(id: str) -> str | None:
    """Why ``id`` cannot name an output file, or ``None`` if it can."""
    if not id:
        return "it is empty"
    if id.endswith("/"):
        return "it ends with '/'"
    for segment in id.split("/"):
        if not segment:
            return "it has an empty segment"
        if segment in (".", ".."):
            return f"it has a {segment!r} segment"
        if segment.startswith("."):
            return f"its segment {segment!r} starts with '.' (a hidden file)"
    bad = next((c for c in id if _bad_char(c)), None)
    if bad is not None:
        return f"it holds the character {bad!r}"
    return None


def checked(id: str, where: str) -> str:
    """``id`` in NFC.

    Raises:
        InputError: an id that cannot name an output file, saying why and what the rules are.
    """
    normal = unicodedata.normalize("NFC", id)
    reason = problem(normal)
    if reason is not None:
        raise InputError(f"{where}: the id {id!r} cannot name an output file: {reason}; {RULES}")
    return normal


def from_path(relative: PurePath) -> str:
    """A valid id for a file at ``relative`` (its suffix left out): each character an id may not
    hold becomes ``_``, and so does a leading ``.``."""
    segments = []
    for part in relative.with_suffix("").parts if relative.suffix else relative.parts:
        segment = "".join("_" if _bad_char(c) else c for c in unicodedata.normalize("NFC", part))
        if segment.startswith("."):
            segment = "_" + segment[1:]
        segments.append(segment or "_")
    return "/".join(segments)
