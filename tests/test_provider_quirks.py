"""Provider quirks live in their profile (``summarizer/_profiles.py``), nowhere else.

Outside it, no code compares a provider's name (or the model's with "embedded"), asks whether
the model is the embedded one, or sets an attribute of litellm for the whole process.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "summarizer"
PROFILES = PACKAGE / "_profiles.py"
PROVIDER_NAMES = {
    "embedded",
    "openai",
    "anthropic",
    "gemini",
    "ollama",
    "ollama_chat",
    "hosted_vllm",
    "vllm",
    "mistral",
    "groq",
    "deepseek",
    "xai",
    "openrouter",
}
PROVIDER_WORDS = {"provider", "family", "EMBEDDED", "custom_llm_provider"}


def _names(node: ast.AST) -> set[str]:
    """The provider names and provider-ish identifiers ``node`` holds."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and sub.value in PROVIDER_NAMES:
            found.add(repr(sub.value))
        elif isinstance(sub, ast.Name) and sub.id in PROVIDER_WORDS:
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute) and sub.attr in PROVIDER_WORDS:
            found.add(sub.attr)
    return found


def quirks(source: str, where: str) -> list[str]:
    """Each provider check in ``source`` (of the file ``where``), as ``where:line: what``."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Compare)
            and any(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops)
            and (names := _names(node))
        ):
            found.append(f"{where}:{node.lineno}: compares {', '.join(sorted(names))}")
        elif isinstance(node, ast.Attribute) and node.attr == "is_embedded":
            found.append(f"{where}:{node.lineno}: asks is_embedded")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in ("litellm", "instructor")
                ):
                    found.append(f"{where}:{node.lineno}: sets {target.value.id}.{target.attr}")
    return sorted(found, key=lambda q: int(q.split(":")[1]))


ALLOWED = {
    # The CLI is an application that owns its process (as it owns logging): it silences litellm's
    # banner on stdout, through litellm_loader.configure_litellm; the library changes nothing.
    ("summarizer/_cli.py", "sets litellm.suppress_debug_info"),
}


def test_no_provider_checks_outside_the_profiles() -> None:
    found = [
        q
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PROFILES
        for q in quirks(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        if (q.split(":")[0], q.split(": ", 1)[1]) not in ALLOWED
    ]
    assert found == []


def test_the_check_sees_a_provider_branch() -> None:
    sample = (
        'if target.provider == "embedded":\n    pass\n'
        "if settings.is_embedded:\n    pass\n"
        'if provider not in ("openai", "anthropic"):\n    pass\n'
        "if model == EMBEDDED:\n    pass\n"
        "if via is Via.provider:\n    pass\n"  # an enum's member, not a provider's name
        "litellm.drop_params = True\n"
    )
    assert quirks(sample, "sample.py") == [
        "sample.py:1: compares 'embedded', provider",
        "sample.py:3: asks is_embedded",
        "sample.py:5: compares 'anthropic', 'openai', provider",
        "sample.py:7: compares EMBEDDED",
        "sample.py:11: sets litellm.drop_params",
    ]
