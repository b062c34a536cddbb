"""Benchmark of the embedded runtime's settings: how fast llama.cpp reads a prompt and writes an
answer with each, on the seed's commitments pass.

    python benchmarks/runtime.py [--runs 2] [--variants library,flash-auto,...] [--max-tokens 120]
                                 [--document FILE]

Each variant loads the model in a fresh process with its settings changed from the embedded
runtime's (:mod:`summarizer._embedded`), then sends a document's commitments pass (the seed's,
by default) cold (nothing cached: the instructions and the document are read from scratch) with
the pass's grammar, and reports llama.cpp's own timings: prompt tokens read a second and output
tokens written a second. Variants take turns, one process at a time (two llama.cpp processes on
2 cores thrash each other). It prints medians and each variant's ratio to the first, and writes
``benchmarks/results/runtime.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

from run import run_driver  # the sibling script: benchmarks/ is this script's sys.path[0]

ROOT = Path(__file__).resolve().parent.parent

VARIANTS: dict[str, dict[str, Any]] = {
    "library": {},  # flash attention off
    "flash-auto": {"flash_attn_type": -1},  # llama.cpp's default: on, on a CPU
    "flash-on": {"flash_attn_type": 1},
    "ubatch-256": {"n_ubatch": 256},
    "ubatch-1024": {"n_batch": 2048, "n_ubatch": 1024},
    "kv-q8": {"flash_attn_type": 1, "cache_type_k": 8, "cache_type_v": 8},  # GGML_TYPE_Q8_0
    "threads-1": {"threads": 1},
}

# One variant's request, in a fresh process: the runtime's settings as the library makes them,
# with the variant's on top.
DRIVER = """
import json, sys
import httpx, xllamacpp
from summarizer import _embedded, _passes
from summarizer._config import user_cache_dir
from summarizer._numbered import Numbered
from summarizer._prompts import load_prompt

overrides, max_tokens = json.loads(sys.argv[1]), int(sys.argv[2])
options = _embedded.RuntimeOptions(
    model_path=_embedded.ensure_weights(user_cache_dir()),
    context_size=32768,
    threads=overrides.pop("threads", _embedded._cores()),
    state_dir=user_cache_dir() / "prefix-states",
)
params = _embedded.server_params(options)
for name, value in overrides.items():
    setattr(params, name, value)
server = xllamacpp.Server(params)
doc = Numbered(sys.stdin.read())
commitments = next(p for p in _passes.PASSES if p.name == "commitments")
schema = _passes.response_model(commitments, doc).model_json_schema()
body = {
    "messages": _passes.messages(load_prompt("brief"), commitments, doc),
    "grammar": _embedded.compact_grammar(schema),
    "max_tokens": max_tokens,
    "temperature": 0,
}
answer = httpx.post(str(server.listening_address) + "/v1/chat/completions", json=body, timeout=900).json()
t = answer["timings"]
print(json.dumps({
    "prompt_tokens": t["prompt_n"],
    "prompt_per_second": t["prompt_per_second"],
    "output_tokens": t["predicted_n"],
    "output_per_second": t["predicted_per_second"],
}))
"""


def run(variant: str, max_tokens: int, document: Path) -> dict[str, Any]:
    args = [json.dumps(VARIANTS[variant]), str(max_tokens)]
    return run_driver(DRIVER, args, document.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--max-tokens", type=int, default=120)
    parser.add_argument("--document", type=Path, default=ROOT / "seeds" / "pakistan-us-talks.txt")
    args = parser.parse_args()
    names = args.variants.split(",")
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(args.runs):
        for name in names:
            results[name].append(run(name, args.max_tokens, args.document))
            r = results[name][-1]
            print(
                f"run {i + 1} {name}: read {r['prompt_per_second']:.1f}/s,"
                f" wrote {r['output_per_second']:.2f}/s",
                file=sys.stderr,
                flush=True,
            )

    def median(name: str, key: str) -> float:
        return float(statistics.median(r[key] for r in results[name]))

    base = names[0]
    print("| variant | prompt tokens | read/s | x | output tokens | written/s | x |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        read, wrote = median(name, "prompt_per_second"), median(name, "output_per_second")
        print(
            f"| {name} | {median(name, 'prompt_tokens'):.0f} | {read:.1f} |"
            f" {read / median(base, 'prompt_per_second'):.2f} | {median(name, 'output_tokens'):.0f} |"
            f" {wrote:.2f} | {wrote / median(base, 'output_per_second'):.2f} |"
        )
    out = ROOT / "benchmarks" / "results" / "runtime.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"machine": platform.machine(), "processor": platform.processor(), "cores": os.cpu_count()}
    out.write_text(json.dumps({"machine": machine, "runs": results, "variants": VARIANTS}, indent=2))


if __name__ == "__main__":
    main()
