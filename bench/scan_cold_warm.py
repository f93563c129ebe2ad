"""Cold and warm scans of 200 models through the Hub double, 50 ms of latency per request.

    .venv/bin/python bench/scan_cold_warm.py [--models 200] [--latency-ms 50] [--jobs 8]
                                             [--bases 0]

The double runs as its own process (`python -m tests.hubdouble --root DIR --latency-ms 50`)
serving generated repos, each a README with front matter and a LICENSE.

Cold: an empty cache. The latency floor is requests x latency / jobs, what the requests
would cost with perfect concurrency and no client work at all. Goal: within 1.5x of it.
Warm: the same scan again, with the cache: one model-info request per model. Goal: under
2 s for 200 models.

`--bases N`: every model is a fine-tune of one of N base models, each a fine-tune of one root,
so a scan also walks two levels of lineage (N + 1 more repositories, each fetched once).

Each scan is timed in process (`Scanner.scan`: the scan itself, rule pack already loaded)
and as the CLI (`licscan scan -m manifest -f json -o FILE`, wall clock of a fresh process:
interpreter start-up, imports and rule pack included).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (
    MIT,
    client_env,
    fresh,
    generate_repos,
    hub_double,
    machine,
    wall,
)

if TYPE_CHECKING:
    from licscan.model import ScanResult

FLOOR_GOAL = 1.5
WARM_GOAL_S = 2.0


def add_bases(root: Path, ids: list[str], bases: int) -> None:
    """Model i becomes a fine-tune of benchbase/base-(i mod bases), each base a fine-tune of
    benchbase/root."""
    def repo(repo_id: str, license_id: str, base: str | None) -> None:
        folder = root / repo_id
        folder.mkdir(parents=True, exist_ok=True)
        lineage = f"base_model: {base}\nbase_model_relation: finetune\n" if base else ""
        (folder / "README.md").write_text(f"---\nlicense: {license_id}\n{lineage}---\n# base\n")
        (folder / "LICENSE").write_text(MIT.format(year=2024, owner=repo_id.split("/")[0]))

    repo("benchbase/root", "mit", None)
    for k in range(bases):
        repo(f"benchbase/base-{k}", "mit", "benchbase/root")
    for index, repo_id in enumerate(ids):
        readme = root / repo_id / "README.md"
        head, sep, rest = readme.read_text().partition("---\n")
        readme.write_text(f"{head}{sep}base_model: benchbase/base-{index % bases}\n"
                          f"base_model_relation: finetune\n{rest}")


def in_process(url: str, ids: list[str], cache: Path, jobs: int) -> tuple[float, int, ScanResult]:
    from licscan.scan import Scanner, ScanOptions
    from licscan.sources.hub import HubSettings
    from licscan.targets import parse_target

    refs = [parse_target(i) for i in ids]
    scanner = Scanner(ScanOptions(jobs=jobs, hub=HubSettings(endpoint=url, cache_dir=str(cache))))
    started = time.perf_counter()
    result = scanner.scan(refs)
    elapsed = time.perf_counter() - started
    bad = [m.id for m in result.models if m.status != "ok"]
    if bad:
        raise SystemExit(f"benchmark models failed to scan: {bad[:5]}")
    return elapsed, scanner.counter.count, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--bases", type=int, default=0,
                        help="make the models fine-tunes of this many base models")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="licscan-scanbench-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    home = fresh(work / "hf-home")
    os.environ.update(client_env("http://unused", None, home))
    ids = generate_repos(work / "repos", args.models)
    if args.bases > 0:
        add_bases(work / "repos", ids, args.bases)
    manifest = work / "models.txt"
    manifest.write_text("\n".join(ids) + "\n")
    print(f"machine: {machine()}")
    print(f"{args.models} models, {args.latency_ms:.0f} ms per request, --jobs {args.jobs}"
          + (f", fine-tunes of {args.bases} bases of one root" if args.bases else ""))
    latency = args.latency_ms / 1000
    with hub_double(work / "repos", args.latency_ms) as url:
        cold_s, cold_n, cold = in_process(url, ids, fresh(work / "cache-a"), args.jobs)
        if args.bases and not all(m.lineage is not None and "benchbase/root" in m.lineage.chain
                                  for m in cold.models):
            raise SystemExit("the lineage of the benchmark models was not followed")
        warm_s, warm_n, warm = in_process(url, ids, work / "cache-a", args.jobs)
        env = client_env(url, fresh(work / "cache-b"), home)
        cli = [sys.executable, "-m", "licscan", "scan", "-m", str(manifest), "-f", "json",
               "-o", str(work / "report.json"), "-j", str(args.jobs)]
        cli_cold = wall(cli, env)
        cold_report = json.loads((work / "report.json").read_text())
        cli_warm = wall(cli, env)
        warm_report = json.loads((work / "report.json").read_text())
    same = [m["license"] for m in cold_report["models"]] == \
        [m["license"] for m in warm_report["models"]]
    floor_cold = cold_n * latency / args.jobs
    floor_warm = warm_n * latency / args.jobs
    assert repr(cold.models) == repr(warm.models), "a warm scan must report what a cold one did"
    print(f"cold, in process: {cold_s:.2f} s, {cold_n} requests ({cold_n / args.models:.1f} per "
          f"model, redirect hops included), floor {floor_cold:.2f} s, "
          f"ratio {cold_s / floor_cold:.2f} (goal <= {FLOOR_GOAL})")
    print(f"warm, in process: {warm_s:.2f} s, {warm_n} requests, floor {floor_warm:.2f} s "
          f"(goal < {WARM_GOAL_S:.0f} s)")
    print(f"cold, CLI: {cli_cold:.2f} s wall; warm, CLI: {cli_warm:.2f} s wall; "
          f"same licenses cold and warm: {same}")
    ok = cold_s <= FLOOR_GOAL * floor_cold and warm_s < WARM_GOAL_S
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
