"""Shared by the scan benchmarks: generated Hub repos, a Hub double in its own process, and
timing helpers. Run the benchmarks from the repository root with the project's venv."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
LICENSES = (("mit", None), ("apache-2.0", "apache-2.0.txt"), ("bsd-3-clause", "bsd-3-clause.txt"),
            ("cc-by-4.0", "cc-by-4.0.txt"))
# MIT's text comes from the corpus like the others (license texts are never kept in the
# project); each model gets its own copyright line, so the copies differ byte for byte.
MIT_HEADER = "MIT License\n\nCopyright (c) {year} {owner}\n\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average {load:.2f} at start")


def generate_repos(root: Path, count: int) -> list[str]:
    """`count` model repos, each a README with front matter and a LICENSE (four licenses,
    their texts read from the corpus); returns their ids."""
    ids = []
    for index in range(count):
        license_id, text_file = LICENSES[index % len(LICENSES)]
        owner, name = f"bench{index % 17:02d}", f"model-{index:04d}"
        folder = root / owner / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "README.md").write_text(
            f"---\nlicense: {license_id}\nlibrary_name: transformers\ntags: [bench]\n---\n"
            f"# {name}\n\nA generated model card for the benchmark.\n")
        corpus = CORPUS / (text_file or "mit.txt")
        text = corpus.read_text() if corpus.is_file() else \
            f"The license terms of {owner}/{name} (the reference corpus is missing).\n"
        if not text_file:
            text = MIT_HEADER.format(year=2000 + index % 25, owner=owner) + text
        (folder / "LICENSE").write_text(text)
        ids.append(f"{owner}/{name}")
    return ids


@contextmanager
def hub_double(root: Path, latency_ms: float) -> Iterator[str]:
    """`python -m tests.hubdouble` in its own process; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.hubdouble", "--root", str(root), "--latency-ms",
         str(latency_ms)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the Hub double did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client_env(url: str, cache: Path | None, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE")}
    env.update(HF_ENDPOINT=url, HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1",
               HF_HUB_DISABLE_IMPLICIT_TOKEN="1", NO_PROXY="127.0.0.1,localhost")
    if cache is not None:
        env["LICSCAN_CACHE_DIR"] = str(cache)
    return env


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def wall(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(list(argv), env=env, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_wall(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    wall(argv, env)  # warm the page cache and .pyc files
    return statistics.median(wall(argv, env) for _ in range(runs))


def instructions(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> int | None:
    """Instructions executed by one run of `argv` (valgrind's cachegrind; None when valgrind
    is not installed): unlike wall clock, the count does not grow with the machine's load."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", *argv], cwd=cwd,
                          env=dict(env, PYTHONHASHSEED="0"), capture_output=True, text=True,
                          check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(",", "")) if found else None
