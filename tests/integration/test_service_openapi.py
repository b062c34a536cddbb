"""Schemathesis against the running service's /openapi.json: no 5xx, responses conform to the schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.service_fixture import RunningService, serve
from tests.stub_server import StubServer


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    with (
        StubServer() as stub,
        serve(stub, tmp_path_factory.mktemp("openapi"), service_max_concurrency=8) as service,
    ):
        yield service


def test_every_operation_conforms(running: RunningService) -> None:
    # schemathesis' pytest plugin does not load under this pytest; its strategies do the same work.
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json", headers=running.headers())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/briefs", "/v1/briefs/batch", "/v1/schema", "/healthz"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same examples on every run
        )
        def check(case: schemathesis.Case) -> None:
            # Every check but one: a schema cannot say "not mostly control characters", so the
            # service may rightly refuse (422) a text the schema allows.
            case.call_and_validate(headers=running.headers(), excluded_checks=[positive_data_acceptance])

        check()
