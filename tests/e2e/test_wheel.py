"""A built wheel, installed into a fresh venv, finds its prompts and schemas from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from tests.conftest import ROOT, SEED
from tests.stub_server import StubServer


def test_wheel_installs_and_runs_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("summarizer-*.whl")
    templates = {"base.html", "brief.html", "page.html"}
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"summarizer/render/templates/{name}" for name in templates} <= set(names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Install the wheel alone; its dependencies come from this test environment's site-packages,
    # added as a plain path so that the checkout's editable install stays invisible.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The test's own environment: no SUMMARIZER_* variables, and its own cache and config
    # directories (XDG_CACHE_HOME, XDG_CONFIG_HOME), which the installed command must use.
    env = {**os.environ, "STUB_KEY": "k" * 20}

    def installed(code: str) -> str:
        """What ``code`` prints, run by the wheel's venv from another directory."""
        run = subprocess.run([python, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    located = installed("import importlib.resources as r; print(r.files('summarizer') / 'prompts' / 'brief')")
    assert located.startswith(str(site)), located
    # The page at / extends base.html: both templates come from the installed package.
    page = installed("from summarizer.render.html import service_page; print(service_page())")
    assert page.startswith("<!doctype html>") and 'id="token"' in page

    with StubServer() as stub:
        (elsewhere / "summarizer.toml").write_text(
            f'api_base = "{stub.api_base}"\napi_key_env = "STUB_KEY"\n'
        )
        result = subprocess.run(
            [
                env_dir / "bin" / "summarizer",
                "brief",
                str(SEED),
                "--format",
                "json",
                "--model",
                "openai/stub",
            ],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    # The brief was cached in the test's cache directory, not the user's.
    assert (Path(env["XDG_CACHE_HOME"]) / "summarizer" / "briefs.sqlite").is_file()
    brief = json.loads(result.stdout)
    assert brief["meta"]["prompt"] == "brief" and brief["meta"]["schema_version"] == "brief/3"
    # The installed package carries its prompts: the field guide of each pass.
    assert "- people (list of objects" in stub.requests[0]["body"]["messages"][0]["content"]
