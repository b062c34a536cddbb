from __future__ import annotations

from summarizer._alignment import FUZZY_THRESHOLD, align

SOURCE = (
    "ISLAMABAD - Pakistan and the United States yesterday held talks.\n"
    "The Foreign Secretary stressed the need to \u201cbuild a broad-based and meaningful bilateral"
    " relationship\u201d with the US, in trade and energy \u2013 both critical areas."
)


def test_exact_tier_gives_offsets_into_the_source() -> None:
    a = align("held talks", SOURCE)
    assert a is not None and a.tier == "exact" and a.score == 100.0
    assert SOURCE[a.start : a.end] == "held talks"


def test_normalized_tier_handles_case_quotes_dashes_and_whitespace() -> None:
    quote = 'stressed the need to "Build a broad-based   and meaningful bilateral relationship"'
    a = align(quote, SOURCE)
    assert a is not None and a.tier == "normalized"
    assert SOURCE[a.start : a.end] == (
        "stressed the need to \u201cbuild a broad-based and meaningful bilateral relationship\u201d"
    )
    b = align("trade and energy - both critical", SOURCE)
    assert b is not None and b.tier == "normalized"
    assert SOURCE[b.start : b.end] == "trade and energy \u2013 both critical"
    c = align("the united states yesterday\nheld", SOURCE)
    assert c is not None and SOURCE[c.start : c.end] == "the United States yesterday held"


def test_fuzzy_tier_accepts_a_small_slip_above_the_threshold() -> None:
    a = align("build a broad based and meaningfull bilateral relationship", SOURCE)
    assert a is not None and a.tier == "fuzzy"
    assert a.score >= FUZZY_THRESHOLD
    assert "bilateral relationship" in SOURCE[a.start : a.end]


def test_paraphrase_and_invention_are_not_aligned() -> None:
    assert align("Agreed on enhanced cooperation in trade, energy and security", SOURCE) is None
    assert align("The talks collapsed after a walkout", SOURCE) is None
    assert align("", SOURCE) is None


def test_short_quotes_need_an_exact_or_normalized_match() -> None:
    assert align("Trade", SOURCE) is not None
    assert align("tradex", SOURCE) is None
