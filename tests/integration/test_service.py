"""The HTTP service, really served: uvicorn in a subprocess, httpx as the client, the stub as provider."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from summarizer import Brief
from summarizer._cli import app
from summarizer._config import default_cache_path
from tests.conftest import SEED
from tests.integration.service_fixture import TOKEN, RunningService, serve
from tests.stub_server import StubServer

SEED_TEXT = SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def stub_module() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture(scope="module")
def service(stub_module: StubServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("service")
    with serve(
        stub_module,
        folder,
        service_max_body_bytes=200_000,
        service_max_document_chars=50_000,
        service_max_concurrency=1,
        service_max_batch=3,
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def normal_stub(stub_module: StubServer) -> None:
    stub_module.behaviour.delay = 0.0
    stub_module.behaviour.faults = {}


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
    assert "Traceback" not in response.text and TOKEN not in response.text
    return dict(body)


def test_a_document_gets_a_valid_brief(service: RunningService) -> None:
    response = httpx.post(f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=service.headers())
    assert response.status_code == 200, response.text
    brief = Brief.model_validate(response.json())
    assert brief.participants[0].name == "John Bass" and brief.meta is not None
    plain = httpx.post(
        f"{service.url}/v1/briefs",
        content=SEED_TEXT.encode(),
        headers={**service.headers(), "Content-Type": "text/plain"},
    )
    assert plain.status_code == 200 and Brief.model_validate(plain.json()).headline
    md = httpx.post(
        f"{service.url}/v1/briefs", json={"text": SEED_TEXT, "format": "md"}, headers=service.headers()
    )
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith("# ")


def test_no_token_or_a_wrong_one_is_401_except_health(service: RunningService) -> None:
    for headers in ({}, service.headers("wrong-token"), {"Authorization": TOKEN}):
        response = httpx.post(f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=headers)
        _problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    for path in ("/v1/schema", "/v1/briefs/batch"):
        response = httpx.request("GET" if path == "/v1/schema" else "POST", f"{service.url}{path}", json={})
        _problem(response, 401)
    assert httpx.get(f"{service.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{service.url}/readyz").json()["status"] == "ready"
    assert httpx.get(f"{service.url}/").text.startswith("<!doctype html>")
    _problem(httpx.get(f"{service.url}/no-such-route"), 404)


def test_openapi_declares_the_bearer_scheme_and_docs_open_without_a_token(service: RunningService) -> None:
    # The documentation holds no data: a browser opens /docs without a token, and authorizes there.
    for path in ("/docs", "/redoc"):
        assert httpx.get(f"{service.url}{path}").status_code == 200
    spec = httpx.get(f"{service.url}/openapi.json").json()
    assert spec["components"]["securitySchemes"] == {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "One of the service's `service_tokens`.",
        }
    }
    secured = {
        (path, method)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == [{"bearer": []}]
    }
    assert secured == {("/v1/briefs", "post"), ("/v1/briefs/batch", "post"), ("/v1/schema", "get")}
    problem = spec["paths"]["/v1/briefs"]["post"]["responses"]["401"]["content"]["application/problem+json"]
    assert spec["components"]["schemas"][problem["schema"]["$ref"].rsplit("/", 1)[1]]["required"] == [
        "type", "title", "status", "detail"
    ]  # fmt: skip


def test_limits_answer_413_and_422_naming_the_limit(service: RunningService) -> None:
    big = httpx.post(f"{service.url}/v1/briefs", json={"text": "x" * 300_000}, headers=service.headers())
    assert "200,000 bytes" in str(_problem(big, 413)["detail"])
    long = httpx.post(f"{service.url}/v1/briefs", json={"text": "word " * 12_000}, headers=service.headers())
    assert "the limit is 50,000" in str(_problem(long, 422)["detail"])
    empty = httpx.post(f"{service.url}/v1/briefs", json={"text": "   "}, headers=service.headers())
    assert "empty" in str(_problem(empty, 422)["detail"])
    for body in (
        {"text": SEED_TEXT, "model": "openai/gpt-4o"},
        {"text": SEED_TEXT, "schema": "os:system"},
        {},
    ):
        _problem(httpx.post(f"{service.url}/v1/briefs", json=body, headers=service.headers()), 422)
    # The one-pass prompt of a custom schema cannot brief in passes: the client's choice, not a 500.
    extract = httpx.post(
        f"{service.url}/v1/briefs", json={"text": SEED_TEXT, "prompt": "extract"}, headers=service.headers()
    )
    assert "prompt 'extract' cannot brief" in str(_problem(extract, 422)["detail"])
    bad_json = httpx.post(
        f"{service.url}/v1/briefs",
        content=b"{not json",
        headers={**service.headers(), "Content-Type": "application/json"},
    )
    _problem(bad_json, 422)
    _problem(httpx.get(f"{service.url}/v1/briefs", headers=service.headers()), 405)


def test_saturated_is_503_with_retry_after(service: RunningService, stub_module: StubServer) -> None:
    stub_module.behaviour.delay = 1.5

    async def two() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            first = asyncio.create_task(
                client.post(f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=service.headers())
            )
            await asyncio.sleep(0.5)  # the first holds the only slot
            second = await client.post(
                f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=service.headers()
            )
            return [await first, second]

    first, second = asyncio.run(two())
    assert first.status_code == 200
    _problem(second, 503)
    assert int(second.headers["retry-after"]) >= 1


def test_batch_gives_a_result_per_document(service: RunningService) -> None:
    body = {"documents": [{"id": "a", "text": SEED_TEXT}, {"text": " "}, {"id": "c", "text": SEED_TEXT}]}
    response = httpx.post(f"{service.url}/v1/briefs/batch", json=body, headers=service.headers())
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [("a", "ok"), ("2", "failed"), ("c", "ok")]
    assert results[1]["error"]["status"] == 422
    Brief.model_validate(results[0]["brief"])
    too_many = {"documents": [{"text": SEED_TEXT}] * 4}
    _problem(httpx.post(f"{service.url}/v1/briefs/batch", json=too_many, headers=service.headers()), 422)


def test_schema_and_openapi(service: RunningService) -> None:
    schema = httpx.get(f"{service.url}/v1/schema", headers=service.headers()).json()
    assert "participants" in schema["properties"]
    spec = httpx.get(f"{service.url}/openapi.json", headers=service.headers()).json()
    assert {"/v1/briefs", "/v1/briefs/batch", "/v1/schema", "/healthz", "/readyz"} <= set(spec["paths"])


@pytest.mark.parametrize("viewer", ["/docs", "/redoc"])
def test_api_viewers_need_no_network(service: RunningService, viewer: str) -> None:
    page = httpx.get(f"{service.url}{viewer}", headers=service.headers())
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for asset in assets:
        assert httpx.get(f"{service.url}{asset}", headers=service.headers()).status_code == 200


def test_access_log_is_structured_and_holds_no_text_or_token(service: RunningService) -> None:
    response = httpx.post(f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=service.headers())
    request_id = response.headers["x-request-id"]
    deadline = time.monotonic() + 30
    while request_id not in service.access_log() and time.monotonic() < deadline:
        time.sleep(0.05)  # the line is written once the response is sent, so maybe after it arrives
    lines = [json.loads(line) for line in service.access_log().splitlines() if line.startswith("{")]
    briefs = [entry for entry in lines if entry["route"] == "/v1/briefs" and entry["status"] == 200]
    assert briefs and briefs[-1]["method"] == "POST" and briefs[-1]["tokens"] == 600  # 4 passes x 150
    keys = {"request_id", "method", "route", "status", "latency_ms", "tokens"}
    assert all(keys == set(entry) for entry in lines)
    log = service.access_log()
    assert "Islamabad" not in log and TOKEN not in log


def test_serve_refuses_an_open_host_without_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 3
    assert "refusing to serve 0.0.0.0 without a bearer token" in result.stderr


def test_a_corrupt_cache_never_fails_a_request(stub_module: StubServer, tmp_path: Path) -> None:
    cache = default_cache_path()  # each test's own (conftest)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"garbage, not a database\n" * 50)
    with serve(stub_module, tmp_path, cache=True) as running:
        for _ in range(2):  # a brief, then the same brief from the new cache
            response = httpx.post(
                f"{running.url}/v1/briefs", json={"text": SEED_TEXT}, headers=running.headers()
            )
            assert response.status_code == 200, response.text
        assert response.json()["meta"]["cached"] is True
        (aside,) = cache.parent.glob("briefs.sqlite.corrupt-*")
        assert f"{cache}" in running.access_log() and f"{aside}" in running.access_log()


def test_a_lone_surrogate_fails_only_its_document(service: RunningService) -> None:
    # Written as JSON by hand: "\ud800" is a valid JSON escape that is no Unicode character.
    seed = json.dumps(SEED_TEXT)
    body = f'{{"documents": [{{"id": "a", "text": {seed}}}, {{"id": "b", "text": "Mr Dar \\ud800 met"}},'
    body += f' {{"id": "c\\udc80", "text": {seed}}}]}}'
    response = httpx.post(
        f"{service.url}/v1/briefs/batch",
        content=body.encode(),
        headers={**service.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    a, b, c = response.json()["results"]
    assert (a["id"], a["status"], c["status"]) == ("a", "ok", "ok")
    assert c["id"] == "c\ufffd"  # the id is echoed as valid Unicode
    assert b["status"] == "failed" and b["error"]["status"] == 422
    assert "lone surrogate (U+D800) at character 7" in b["error"]["detail"]
    one = httpx.post(
        f"{service.url}/v1/briefs",
        content=b'{"text": "Mr Dar \\ud800 met"}',
        headers={**service.headers(), "Content-Type": "application/json"},
    )
    assert "lone surrogate" in str(_problem(one, 422)["detail"])


@pytest.mark.parametrize("route", ["/v1/briefs", "/v1/briefs/batch"])
def test_both_routes_answer_bad_bodies_alike(service: RunningService, route: str) -> None:
    url, json_type = f"{service.url}{route}", {**service.headers(), "Content-Type": "application/json"}

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is checked as the body comes
        yield b'{"text": "'
        for _ in range(30):
            yield b"x" * 10_000
        yield b'"}'

    assert "200,000 bytes" in str(
        _problem(httpx.post(url, content=chunked(), headers=json_type), 413)["detail"]
    )
    deep = httpx.post(url, content=b"[" * 100_000, headers=json_type)
    assert "nested too deeply" in str(_problem(deep, 422)["detail"])
    latin1 = b'{"text": "caf\xe9"}' if route == "/v1/briefs" else b'{"documents": [{"text": "caf\xe9"}]}'
    assert "UTF-8" in str(_problem(httpx.post(url, content=latin1, headers=json_type), 422)["detail"])
    xml = httpx.post(url, content=b"<doc/>", headers={**service.headers(), "Content-Type": "application/xml"})
    _problem(xml, 415)
    for body in (b"{not json", b'{"documents": 3, "text": 3}'):
        _problem(httpx.post(url, content=body, headers=json_type), 422)
    spec = httpx.get(f"{service.url}/openapi.json", headers=service.headers()).json()
    declared = set(spec["paths"][route]["post"]["responses"])
    assert {"200", "401", "413", "415", "422", "500", "502", "503", "504"} <= declared
    body_schema = spec["paths"][route]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body_schema:
        name = body_schema["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][name]["properties"]["documents"]["maxItems"] == 3


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail (naming ``what``) if it never does."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def _with_marker(stub: StubServer, marker: str) -> int:
    return sum(marker in json.dumps(r["body"]["messages"]) for r in stub.requests)


def test_a_client_that_hangs_up_frees_its_slot(service: RunningService, stub_module: StubServer) -> None:
    stub_module.behaviour.timeout_delay = 30.0  # the provider takes its time with this document
    stub_module.behaviour.faults = {"Marker hang.": ["timeout"] * 4}

    async def hang_up() -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            request = client.post(
                f"{service.url}/v1/briefs",
                json={"text": SEED_TEXT + "\n\nMarker hang."},
                headers=service.headers(),
            )
            waiting = asyncio.create_task(request)
            while _with_marker(stub_module, "Marker hang.") < 4:  # its four passes reached the provider
                await asyncio.sleep(0.05)
            waiting.cancel()  # the client gives up: its connection is closed
            with contextlib.suppress(asyncio.CancelledError):
                await waiting

    asyncio.run(asyncio.wait_for(hang_up(), 60))
    _wait_for(lambda: '"status": 499' in service.access_log(), "the disconnect logged")
    line = next(json.loads(x) for x in service.access_log().splitlines() if '"status": 499' in x)
    assert f"request {line['request_id']}: the client disconnected" in service.access_log()
    # The slot (the only one) is free at once, with the hung provider calls still pending.
    after = httpx.post(f"{service.url}/v1/briefs", json={"text": SEED_TEXT}, headers=service.headers())
    assert after.status_code == 200, after.text
    assert _with_marker(stub_module, "Marker hang.") == 4  # nothing was retried for the client gone


def test_a_batch_has_one_deadline_and_answers_what_it_finished(stub: StubServer, tmp_path: Path) -> None:
    stub.behaviour.timeout_delay = 60.0
    stub.behaviour.faults = {"Marker slow.": ["timeout"] * 4}
    texts = [SEED_TEXT, SEED_TEXT + "\n\nMarker slow.", SEED_TEXT + "\n\nMarker three."]
    with serve(stub, tmp_path, service_request_timeout=10) as running:
        body = {"documents": [{"text": t} for t in texts]}
        response = httpx.post(
            f"{running.url}/v1/briefs/batch", json=body, headers=running.headers(), timeout=60
        )
    assert response.status_code == 200, response.text
    first, slow, third = response.json()["results"]
    assert first["status"] == "ok" and Brief.model_validate(first["brief"])
    for late in (slow, third):  # the third never started: the request's time was up
        assert late["status"] == "failed" and late["error"]["status"] == 504
        assert "within the request's 10 s" in late["error"]["detail"]
    assert _with_marker(stub, "Marker three.") == 0


def test_provider_errors_show_clients_no_internals(stub: StubServer, tmp_path: Path) -> None:
    stub.behaviour.status = 500
    with serve(stub, tmp_path, transient_retries=0) as running:
        one = httpx.post(f"{running.url}/v1/briefs", json={"text": SEED_TEXT}, headers=running.headers())
        batch = httpx.post(
            f"{running.url}/v1/briefs/batch",
            json={"documents": [{"text": SEED_TEXT}]},
            headers=running.headers(),
        )
        log = running.access_log()
    port = stub.api_base.split(":")[-1].split("/")[0]
    problem = _problem(one, 502)
    item = batch.json()["results"][0]["error"]
    for response, detail in ((one, str(problem["detail"])), (batch, str(item["detail"]))):
        request_id = response.headers["x-request-id"]
        assert detail == f"the model provider failed (request {request_id}: the service log has the details)"
        assert "127.0.0.1" not in response.text and port not in response.text
        assert (
            f"request {request_id}: ProviderError" in log and "HTTP 500" in log
        )  # the details, for operators


def test_without_tokens_the_api_is_open_and_declares_no_scheme(
    stub_module: StubServer, tmp_path: Path
) -> None:
    with serve(stub_module, tmp_path, service_tokens=[]) as running:
        assert httpx.get(f"{running.url}/v1/schema").status_code == 200
        spec = httpx.get(f"{running.url}/openapi.json").json()
    assert "securitySchemes" not in spec.get("components", {})
    assert not [op for ops in spec["paths"].values() for op in ops.values() if "security" in op]
