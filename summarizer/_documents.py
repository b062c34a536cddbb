"""Reading documents: files or stdin, with clear errors for input that cannot be summarized."""

from __future__ import annotations

import codecs
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from summarizer._errors import InputError

# Share of control characters (other than whitespace) above which text counts as binary.
_MAX_CONTROL_SHARE = 0.01
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Document:
    """A decoded document and where it came from."""

    text: str
    source: str
    encoding: str


def read_document(path: str | Path, *, max_bytes: int) -> Document:
    """Read and decode a document; ``"-"`` reads standard input.

    Raises:
        InputError: missing path, directory, too large, empty, binary or undecodable.
    """
    if str(path) == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        name = "standard input"
    else:
        file = Path(path)
        name = str(file)
        if not file.exists():
            raise InputError(f"{name}: no such file")
        if file.is_dir():
            raise InputError(f"{name}: is a directory, not a document")
        try:
            with file.open("rb") as f:
                data = f.read(max_bytes + 1)
        except OSError as e:
            raise InputError(f"{name}: cannot read: {e.strerror}") from e
    if len(data) > max_bytes:
        raise InputError(f"{name}: larger than the {max_bytes:,}-byte limit (max_document_bytes)")
    text, encoding = decode(data, name)
    return Document(text=text, source=name, encoding=encoding)


def decode(data: bytes, name: str = "document") -> tuple[str, str]:
    """Decode bytes as UTF-8, or as the encoding charset-normalizer detects."""
    if not data.strip():
        raise InputError(f"{name}: is empty")
    if b"\x00" in data[:8192] and not data.startswith(_BOMS):
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        import charset_normalizer

        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise InputError(f"{name}: not UTF-8 and no text encoding fits: is it a binary file?") from None
        text, encoding = str(best), best.encoding
    check_text(text, name)
    return text, encoding


def check_text(text: str, name: str = "document") -> None:
    """Reject text that is empty, mostly control characters, or not valid Unicode."""
    if not text.strip():
        raise InputError(f"{name}: is empty")
    surrogate = _LONE_SURROGATE.search(text)
    if surrogate is not None:  # e.g. "\ud800" in JSON: it cannot be written as UTF-8, nor sent on
        raise InputError(
            f"{name}: is not valid Unicode: a lone surrogate (U+{ord(surrogate.group()):04X})"
            f" at character {surrogate.start():,}"
        )
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise InputError(f"{name}: looks like a binary file, not text")


def valid_unicode(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def text_sha256(text: str) -> str:
    """sha256 of the text in UTF-8; a lone surrogate (text that is not valid Unicode) is hashed
    as it stands instead of raising."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
