"""The library against an OpenAI-compatible stub on loopback: provider swap, custom schemas, errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from summarizer import (
    Brief,
    BudgetError,
    OutputValidationError,
    Progress,
    ProviderError,
    Settings,
    Summarizer,
    asummarize,
    summarize,
)
from summarizer._numbered import Numbered
from tests.stub_server import StubServer


def _settings(stub: StubServer, **extra: object) -> Settings:
    return Settings(model="openai/stub-model", api_base=stub.api_base, api_key_env="STUB_KEY", **extra)


@pytest.fixture(autouse=True)
def stub_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "stub-key-0123456789")


def test_swap_is_config_only_and_meta_is_filled(stub: StubServer, seed_text: str) -> None:
    brief = summarize(seed_text, settings=_settings(stub))
    assert isinstance(brief, Brief)
    assert brief.meta is not None
    assert (brief.meta.provider, brief.meta.model) == ("openai", "stub-model")
    # Four passes, each 100 prompt and 50 completion tokens at the stub.
    assert (brief.meta.prompt_tokens, brief.meta.completion_tokens) == (400, 200)
    assert brief.meta.retries == 0 and brief.meta.cost_usd is None  # not in litellm's price table
    assert len(brief.meta.source_sha256) == 64


class Decisions(BaseModel):
    decisions: list[str] = Field(description="Each decision taken, as a short sentence.")


def test_any_pydantic_model_as_schema(stub: StubServer) -> None:
    stub.behaviour.brief = {"decisions": ["Hold joint patrols."]}
    result = Summarizer(_settings(stub)).summarize("The ministers agreed joint patrols.", schema=Decisions)
    assert isinstance(result, Decisions)
    assert result.decisions == ["Hold joint patrols."]
    request = stub.requests[0]["body"]
    assert request["tools"][0]["function"]["name"] == "Decisions"
    assert "- decisions (list of string)" in request["messages"][0]["content"]  # the field guide follows it


async def test_async_and_retry_count(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.garbage = True
    with pytest.raises(OutputValidationError, match="still invalid after 2 attempts") as info:
        await asummarize(seed_text, settings=_settings(stub, max_retries=1))
    assert info.value.attempts == 2 and not info.value.cut_off
    stub.behaviour.garbage = False
    brief = await asummarize(seed_text, settings=_settings(stub))
    assert brief.participants[0].name == "John Bass"


async def test_max_cost_stops_a_long_brief_before_a_part(stub: StubServer, seed_text: str) -> None:
    settings = Settings(
        model="openai/gpt-4o-mini", api_base=stub.api_base, api_key_env="STUB_KEY", chunk_tokens=1200
    )
    text = "\n\n".join([seed_text] * 8)
    with pytest.raises(BudgetError, match=r"stopped before part 3 of \d+: the budget of \$0.0004") as info:
        await Summarizer(settings).asummarize(text, max_cost=0.0004)  # a part costs $0.00018 here
    assert info.value.spent == pytest.approx(0.00036) and len(stub.requests) == 8


@pytest.mark.parametrize(
    ("status", "message"), [(401, "rejected the API key"), (404, "HTTP 404"), (503, "HTTP 503")]
)
def test_http_errors_become_provider_errors(
    stub: StubServer, seed_text: str, status: int, message: str
) -> None:
    stub.behaviour.status = status
    with pytest.raises(ProviderError, match=message) as info:
        summarize(seed_text, settings=_settings(stub))
    assert info.value.status == status
    assert info.value.provider == "openai"
    assert "stub-key" not in str(info.value)


def test_template_syntax_in_a_document_reaches_the_provider_unchanged(
    stub: StubServer, seed_text: str
) -> None:
    # instructor renders messages as Jinja templates; a document must never be evaluated.
    for doc in (
        seed_text + "\n\n    Code: {{ 7*7 }} {% if x %} {# note #} {'a': 1}\n",
        seed_text + "\n\n{% endraw %} {{ 7*7 }} {% raw %}\n",
    ):
        stub.requests.clear()
        Summarizer(_settings(stub, cache=False)).summarize(doc)
        assert all(Numbered(doc).rendered in r["body"]["messages"][-1]["content"] for r in stub.requests)
        stub.behaviour.brief = {"decisions": []}
        Summarizer(_settings(stub, cache=False)).summarize(doc, schema=Decisions)
        assert doc.strip() in stub.requests[-1]["body"]["messages"][-1]["content"]


def test_progress_names_each_pass_and_counts_tokens(stub: StubServer, seed_text: str) -> None:
    seen: list[Progress] = []
    Summarizer(_settings(stub, cache=False)).summarize(seed_text, progress=seen.append)
    assert {p.step for p in seen[:-1]} == {"participants", "agenda", "commitments", "overview"}
    assert all((p.part, p.parts) == (1, 1) for p in seen)
    assert seen[-1].done and seen[-1].step == "done" and seen[-1].completion_tokens == 200
