from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from summarizer._sentences import MAX_CHARS, Sentence, split_sentences
from tests.conftest import SEED

EVAL = Path(__file__).parents[3] / "shared" / "eval"


def _texts(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text)]


def _assert_well_formed(text: str, sentences: list[Sentence]) -> None:
    """Each sentence slices back and is stripped; in order, apart, and nothing but whitespace between."""
    previous_end = 0
    for sentence in sentences:
        assert sentence.text == text[sentence.start : sentence.end]
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        assert not text[previous_end : sentence.start].strip(), "text left outside every sentence"
        previous_end = sentence.end
    assert not text[previous_end:].strip(), "text left outside every sentence"


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. delegation arrived on Monday.",
        "Mr. Smith met Mrs. Jones and Ms. Lee in the lobby.",
        "We'll now go to Ms. Zahid.",
        "He lives at No. 10 Downing Street.",
        "The talks began at 9 a.m. and ended at noon.",
        "Dr. Carstens agreed with Gen. Norstad.",
        "They met on St. Patrick's Day.",
        "John F. Kennedy spoke before Lyndon B. Johnson.",
        "Hon. Chrystia Freeland answered Amb. Wadsworth.",
        "The record is in Vol. 2 of the series.",
        "155. Memorandum of a conversation in Paris.",
    ],
)
def test_no_split_after_abbreviations(text: str) -> None:
    assert _texts(text) == [text]
    assert _texts(f"{text} Then they left.") == [text, "Then they left."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "we will go." Then he left.', ['He said "we will go."', "Then he left."]),
        ("He said “we will go.” Then he left.", ["He said “we will go.”", "Then he left."]),
        ("She asked, ‘Is it over?’ Nobody answered.", ["She asked, ‘Is it over?’", "Nobody answered."]),
    ],
)
def test_closing_quotes_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_every_bullet_starts_a_sentence() -> None:
    text = (
        "Agenda:\n- Trade and energy.\n* Security. Counter-terrorism.\n• Climate change\n"
        "1. Follow-up talks in May.\n2) Visas\n"
    )
    assert _texts(text) == [
        "Agenda:",
        "- Trade and energy.",
        "* Security.",
        "Counter-terrorism.",
        "• Climate change",
        "1. Follow-up talks in May.",
        "2) Visas",
    ]


def test_every_line_break_ends_a_speaker_turn() -> None:
    text = (
        "Lynne Neagle AM: Good afternoon, everyone. Welcome.\r\n"
        "Kirsty Williams AM: Thank you, Chair\n"
        "Hon. Chrystia Freeland: Mr. Chair, we are working on it\n\n"
        "The Chair: Back to Ms. Shin.\n"
    )
    assert _texts(text) == [
        "Lynne Neagle AM: Good afternoon, everyone.",
        "Welcome.",
        "Kirsty Williams AM: Thank you, Chair",
        "Hon. Chrystia Freeland: Mr. Chair, we are working on it",
        "The Chair: Back to Ms. Shin.",
    ]


def test_long_sentence_is_cut_at_clause_punctuation() -> None:
    text = "; ".join(["the delegates discussed trade and energy at great length"] * 25) + "."
    sentences = split_sentences(text)
    _assert_well_formed(text, sentences)
    assert len(sentences) > 1
    assert all(len(s.text) <= MAX_CHARS for s in sentences)
    assert all(s.text.endswith(";") for s in sentences[:-1])


def test_long_word_is_cut_anyway() -> None:
    text = "x" * (3 * MAX_CHARS + 1)
    sentences = split_sentences(text)
    _assert_well_formed(text, sentences)
    assert [len(s.text) for s in sentences] == [MAX_CHARS] * 3 + [1]


def test_blank_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\r\n\t ") == []


def test_offsets_count_characters_not_bytes() -> None:
    text = "  Émoji 😀 here. Next 🇵🇰 one.\n"
    sentences = split_sentences(text)
    _assert_well_formed(text, sentences)
    assert [s.text for s in sentences] == ["Émoji 😀 here.", "Next 🇵🇰 one."]


def test_random_texts_are_covered() -> None:
    pieces = ["Ms.", "U.S.", "a.m.", " ", "  ", "\n", "\r\n", "\u2028", ". ", "? ", "!", '"', "”", "1.",
              "- ", "word", "Word", "😀", "é", ";", ",", "\t", "No. 10", "F."]  # fmt: skip
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choices(pieces, k=rng.randrange(60)))
        _assert_well_formed(text, split_sentences(text))


def test_seed_is_covered() -> None:
    text = SEED.read_text(encoding="utf-8")
    _assert_well_formed(text, split_sentences(text))


def test_every_dev_text_is_covered() -> None:
    files = sorted((EVAL / "dev").glob("*.jsonl"))
    if not files:
        pytest.skip(f"no development set at {EVAL / 'dev'} (shared/ sits beside the checkout)")
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            sentences = split_sentences(case["text"])
            _assert_well_formed(case["text"], sentences)
            assert all(len(s.text) <= MAX_CHARS for s in sentences), case["id"]
