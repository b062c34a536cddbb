"""A library that imports ours inherits no change to litellm, instructor or the environment.

A fresh interpreter imports litellm and every instructor module it can, takes a snapshot of their
module-level attributes (public and private) and of the environment, then imports summarizer and
briefs a document through the stub provider on loopback, and takes the snapshot again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import ROOT, SEED
from tests.stub_server import StubServer

PROBE = textwrap.dedent(
    """
    import importlib, json, os, pkgutil, sys, types

    import instructor, litellm

    for package in (instructor, litellm.llms.openai):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".v2." in info.name or info.name.count(".") <= 2:
                try:
                    importlib.import_module(info.name)
                except Exception:  # an optional provider SDK that is not installed
                    pass

    # litellm and instructor set up some state of their own on first use (clients, config
    # singletons, lazy imports): a call of theirs, without summarizer, settles it first.
    from pydantic import BaseModel

    class Answer(BaseModel):
        headline: str

    messages = [{"role": "user", "content": "The ministers met."}]
    instructor.from_litellm(litellm.completion).create(
        model="openai/stub-model", api_base=sys.argv[1], api_key="k", messages=messages,
        response_model=Answer, max_retries=0,
    )
    litellm.token_counter(model="gpt-4o-mini", messages=messages)
    litellm.cost_per_token(model="gpt-4o-mini", prompt_tokens=1, completion_tokens=1)
    litellm.get_model_info("gpt-4o-mini")

    SCALARS = (bool, int, float, str, bytes, type(None))

    def fingerprint(value):
        if isinstance(value, SCALARS):
            return repr(value)
        if isinstance(value, (list, set, tuple, frozenset)):
            return f"{type(value).__name__}#{id(value)} of {len(value)}"
        return f"{type(value).__name__}#{id(value)}"

    def snapshot():
        state = {}
        for name, module in list(sys.modules.items()):
            if module is None or name.partition(".")[0] not in ("litellm", "instructor"):
                continue
            for attr, value in list(vars(module).items()):
                if not isinstance(value, types.ModuleType):  # a submodule imported since
                    state[f"{name}.{attr}"] = fingerprint(value)
        return state

    before, environ = snapshot(), dict(os.environ)

    from summarizer import Settings, summarize

    settings = Settings(model="openai/stub-model", api_base=sys.argv[1], api_key_env="STUB_KEY", cache=False)
    brief = summarize(open(sys.argv[2], encoding="utf-8").read(), settings=settings)
    assert brief.participants, brief

    after = snapshot()
    changed = sorted(k for k in before if after.get(k) != before[k])
    modules = {k.rsplit(".", 1)[0] for k in before}
    # A class or function new in a module it was not in: a lazy import that caches its result.
    added = sorted(k for k in after if k not in before and k.rsplit(".", 1)[0] in modules
                   and not after[k].startswith(("type#", "ABCMeta#", "function#", "EnumType#")))
    environment = sorted(k for k in set(environ) | set(os.environ) if environ.get(k) != os.environ.get(k))
    print(json.dumps({
        "changed": {k: [before[k], after.get(k)] for k in changed},
        "added": {k: after[k] for k in added},
        "environment": environment,
    }))
    """
)


def test_a_call_leaves_litellm_instructor_and_the_environment_as_they_were(stub: StubServer) -> None:
    env = {"STUB_KEY": "stub-key-0123456789", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, stub.api_base, str(SEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**_inherited(), **env},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert stub.requests, "the call never reached the stub"
    assert report == {"changed": {}, "added": {}, "environment": []}


def _inherited() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_", "ANTHROPIC_"))}


def test_litellm_loads_its_bundled_price_map_and_the_environment_stays_as_it_was() -> None:
    code = textwrap.dedent(
        """
        import os
        from summarizer._litellm_loader import load_litellm
        load_litellm()
        from litellm.litellm_core_utils.get_model_cost_map import _cost_map_source_info as info
        assert (info.source, info.is_env_forced) == ("local", True), vars(info)
        assert "LITELLM_LOCAL_MODEL_COST_MAP" not in os.environ
        """
    )
    env = {k: v for k, v in _inherited().items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
