"""The HTML view in a real headless Chromium (Debian's chromium, driven by playwright)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import Brief, to_html
from summarizer._grounding import ground
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    source = SEED.read_text(encoding="utf-8")
    data = json.loads(json.dumps(STUB_BRIEF))
    data["commitments"][0]["evidence"] = "Washington may explore various avenues of cooperation"
    brief = ground(Brief.model_validate(data), source).output
    path = tmp_path / "note.html"
    path.write_text(to_html(brief, source), encoding="utf-8")
    return path


def test_highlights_render_and_a_click_scrolls_to_the_span(browser: Any, page_file: Path) -> None:
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 600})
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())

    assert page.locator("mark.ev").count() >= 5
    assert page.locator("#note table tr.item").count() == 2

    # The commitment's evidence stands near the end of the source, out of view at first.
    target = page.locator('mark.ev[data-ids~="3"]').first
    assert target.inner_text() == "Washington may explore various avenues of cooperation"
    source = page.locator("#source")
    assert source.evaluate("el => el.scrollTop") == 0
    page.locator('[data-ev="3"]').click()
    page.wait_for_function("document.querySelector('#source').scrollTop > 0")
    assert "active" in (target.get_attribute("class") or "")
    box, view = target.bounding_box(), source.bounding_box()
    assert box is not None and view is not None
    assert view["y"] <= box["y"] <= view["y"] + view["height"]

    assert requests == [page_file.as_uri()]  # nothing but the file itself: no network
    page.close()


def test_markup_in_the_document_or_the_brief_never_runs(browser: Any, tmp_path: Path) -> None:
    attack = '<script>window.ran = 1</script><img src=x onerror="window.ran = 2">'
    source = f"The delegates met. {attack} They parted.\n"
    data = json.loads(json.dumps(STUB_BRIEF))
    data.update(headline=attack, summary=attack)
    data["agenda_items"][0]["evidence"] = attack
    brief = ground(Brief.model_validate(data), source).output
    path = tmp_path / "note.html"
    path.write_text(to_html(brief, source), encoding="utf-8")
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert page.evaluate("() => window.ran") is None
    assert page.locator("#note h1").inner_text() == attack  # shown as text
    assert page.locator("mark.ev").all_inner_texts() == [attack]  # and marked in the source
    assert requests == [path.as_uri()]  # no <img> was made, so nothing was fetched
    page.close()
