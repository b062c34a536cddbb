"""The service's page at / in headless Chromium: paste the seed, submit, read the note with its evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEED
from tests.integration.service_fixture import TOKEN, RunningService, serve
from tests.stub_server import StubServer


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with StubServer() as stub, serve(stub, tmp_path_factory.mktemp("page")) as service:
        yield service


def test_paste_submit_and_read_the_note(browser: Any, running: RunningService, tmp_path: Path) -> None:
    page = browser.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(running.url + "/")
    page.fill("#token", TOKEN)
    page.fill("#text", SEED.read_text(encoding="utf-8"))
    page.click("#submit")
    page.wait_for_selector("#status:has-text('Done')", timeout=30_000)
    note = page.frame_locator("#note")
    rows = note.locator("table tr")
    assert rows.count() == 3  # the header and the stub's two participants
    assert "John Bass" in rows.nth(1).inner_text()
    marks = note.locator("mark.ev")
    assert marks.count() >= 5
    assert "both sides agreed to strengthen ties and enhance cooperation" in note.locator("body").inner_text()
    assert page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]
    assert hosts == {running.url.split("/")[2]}  # nothing but the service itself
    page.close()


def test_a_wrong_token_is_shown_as_the_problem(browser: Any, running: RunningService) -> None:
    page = browser.new_page()
    page.goto(running.url + "/")
    page.fill("#token", "wrong")
    page.fill("#text", "Some text.")
    page.click("#submit")
    page.wait_for_selector("#status.error", timeout=30_000)
    assert page.inner_text("#status").startswith("401 Unauthorized")
    page.close()


def test_the_docs_page_authorizes_and_sends_the_token(browser: Any, running: RunningService) -> None:
    page = browser.new_page()
    sent: list[str | None] = []
    page.on(
        "request", lambda r: sent.append(r.headers.get("authorization")) if "/v1/schema" in r.url else None
    )
    page.goto(running.url + "/docs")  # no token needed to read the documentation
    page.click("button.authorize")
    page.fill(".modal-ux input", TOKEN)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    page.click("#operations-default-schema_v1_schema_get .opblock-summary")
    page.click("button.try-out__btn")
    page.click("button.execute")
    status = page.locator(".live-responses-table tr.response .response-col_status")
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip() == "200"
    assert sent == [f"Bearer {TOKEN}"]
    page.close()
