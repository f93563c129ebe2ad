"""How fast is `licscan discover` over a 10,000-file source tree?

    python bench/discover_speed.py [--files 10000] [--runs 3]

Builds a temporary repository shaped like an ML service: Python packages (10% of the modules
load models: from_pretrained, pipelines, vLLM, hub downloads), tests, docs, front-end
sources, JSON/YAML/TOML configs, Dockerfiles, a Modelfile, shell scripts, notebooks; plus
what the walk must skip (a .venv and node_modules of 3,000 files each, a .gitignored build
folder, a 200 MB sparse weight blob). Times `discover()` in process (median of --runs, goal
<= 2 s), a worst case where every Python file must be parsed, and the CLI in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import machine  # noqa: E402

MODULE = '''\
"""Module {i}: request handling for the {name} service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Item{i}:
    key: str
    size: int = 0

    def describe(self) -> str:
        return f"{{self.key}} ({{self.size}} bytes)"


def handle_{i}(items: list[Item{i}], limit: int = {limit}) -> list[str]:
    """Describe the first items, skipping empty ones."""
    out = []
    for item in items[:limit]:
        if item.size <= 0:
            log.debug("skipping %s", item.key)
            continue
        out.append(item.describe())
    return out


class Service{i}:
    def __init__(self, name: str = "{name}") -> None:
        self.name = name
        self.count = 0

    def __call__(self, payload: dict[str, object]) -> dict[str, object]:
        self.count += 1
        keys = sorted(str(k) for k in payload)
        return {{"service": self.name, "keys": keys, "count": self.count}}
'''
LOADER = '''
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

MODEL_ID = "acme/model-{i}"
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, revision="v{i}")
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, revision="v{i}")
classifier = pipeline("text-classification", model="acme/classifier-{j}")
'''


def build(root: Path, files: int, worst_case: bool = False) -> dict[str, int]:
    rnd = random.Random(7)
    counts: dict[str, int] = {}

    def write(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        kind = Path(rel).suffix or Path(rel).name
        counts[kind] = counts.get(kind, 0) + 1

    shares = [(".py", 0.45), (".md", 0.10), (".ts", 0.15), (".json", 0.08), (".yaml", 0.07),
              (".txt", 0.05), (".toml", 0.01), (".sh", 0.02), (".css", 0.04), (".html", 0.03)]
    made = 0
    for suffix, share in shares:
        for n in range(int(files * share)):
            pkg = f"pkg{n % 40}/sub{n % 7}"
            if suffix == ".py":
                text = MODULE.format(i=n, name=f"svc{n % 13}", limit=n % 50 + 1)
                if worst_case or rnd.random() < 0.10:
                    text += LOADER.format(i=n, j=n % 17)
                write(f"src/{pkg}/mod_{n}.py", text)
            elif suffix == ".json":
                write(f"config/{pkg}/c{n}.json", json.dumps(
                    {"name": f"c{n}", "port": 8000 + n, "model_id": f"acme/json-{n % 9}",
                     "tags": ["a", "b"], "nested": {"retries": 3}}, indent=2))
            elif suffix == ".yaml":
                write(f"deploy/{pkg}/v{n}.yaml", f"service: s{n}\nreplicas: {n % 5}\n"
                      f"model: acme/yaml-{n % 11}\nresources:\n  cpu: 2\n")
            elif suffix == ".toml":
                write(f"config/{pkg}/t{n}.toml", f'[tool.s{n}]\nname = "s{n}"\nport = {n}\n')
            elif suffix == ".sh":
                write(f"scripts/s{n}.sh", f"#!/bin/sh\nset -e\nvllm serve acme/sh-{n % 5} "
                      "--port 8000\n")
            else:
                write(f"other/{pkg}/f{n}{suffix}", f"content {n}\n" * 20)
            made += 1
    for n in range(files - made):
        write(f"misc/m{n}.txt", "x\n")
    write("Dockerfile", "FROM python:3.12\nENV MODEL_ID=acme/docker\nCMD vllm serve $MODEL_ID\n")
    write("Modelfile", "FROM hf.co/acme/gguf-model:Q4_K_M\n")
    write(".gitignore", "build/\n*.pyc\n")
    for n in range(3000):
        write(f".venv/lib/python3.11/site-packages/p{n % 50}/m{n}.py", MODULE.format(
            i=n, name="venv", limit=1) + LOADER.format(i=n, j=n))
        write(f"web/node_modules/p{n % 50}/i{n}.json", '{"model": "acme/node"}')
        write(f"build/lib/b{n}.py", LOADER.format(i=n, j=n))
    with open(root / "weights.safetensors", "wb") as fh:  # a blob: only its header is read
        header = b'{"__metadata__": {"license": "apache-2.0"}}'
        fh.write(len(header).to_bytes(8, "little") + header)
        fh.truncate(200 << 20)
    return counts


def time_discover(root: Path, runs: int) -> tuple[float, object]:
    from licscan.discover import discover

    times, found = [], None
    for _ in range(runs):
        start = time.perf_counter()
        found = discover([root])
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for worst in (False, True):
        with tempfile.TemporaryDirectory(prefix="licscan-bench-discover-") as tmp:
            root = Path(tmp) / "repo"
            counts = build(root, args.files, worst_case=worst)
            median, found = time_discover(root, args.runs)
            from licscan.discover.model import Discovery

            assert isinstance(found, Discovery)
            label = "every Python file loads models (worst case)" if worst else \
                "10% of Python modules load models"
            print(f"{args.files} files in the tree ({label}); plus 9,000 in .venv, "
                  "node_modules and a .gitignored build/ folder")
            print(f"  discover(): median {median:.2f} s over {args.runs} runs (goal <= 2 s); "
                  f"{found.files_read} files read, {len(found.references)} references, "
                  f"{len(found.errors)} errors")
            if not worst:
                print(f"  tree: {dict(sorted(counts.items()))}")
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "licscan", "discover", str(root),
                                       "-f", "json"], capture_output=True, text=True,
                                      cwd=REPO, check=False)
                wall = time.perf_counter() - start
                print(f"  `licscan discover` in a fresh process: {wall:.2f} s wall "
                      f"(exit {done.returncode}, {len(done.stdout) // 1024} KiB of JSON)")


if __name__ == "__main__":
    main()
