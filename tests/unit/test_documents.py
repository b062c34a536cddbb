from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import InputError
from summarizer._documents import decode, read_document

LIMIT = 1_000_000


def test_reads_utf8_and_strips_bom(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffMinister Lopez met Mr Dar.".encode())
    doc = read_document(f, max_bytes=LIMIT)
    assert doc.text == "Minister Lopez met Mr Dar."
    assert doc.encoding == "utf-8"


def test_detects_a_legacy_encoding(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Le ministre François Délégué a rencontré la délégation à Genève. ".encode("cp1252") * 5)
    doc = read_document(f, max_bytes=LIMIT)
    assert "François" in doc.text
    assert doc.encoding != "utf-8"


def test_utf16_with_bom_is_text_not_binary() -> None:
    text, _ = decode("Talks were held in Oslo.".encode("utf-16"))
    assert text == "Talks were held in Oslo."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t \n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_rejects_unusable_bytes(tmp_path: Path, data: bytes, message: str) -> None:
    f = tmp_path / "bad"
    f.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_document(f, max_bytes=LIMIT)


def test_rejects_missing_path_directory_and_oversize(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "missing.txt", max_bytes=LIMIT)
    with pytest.raises(InputError, match="is a directory"):
        read_document(tmp_path, max_bytes=LIMIT)
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    with pytest.raises(InputError, match="larger than the 100-byte limit"):
        read_document(big, max_bytes=100)
