"""Peak memory (ru_maxrss) of a 1,000-model scan through the Hub double.

    .venv/bin/python bench/memory.py [--models 1000] [--jobs 8]

Runs `licscan scan -m manifest -f json -o FILE` as a child process, cold (empty cache) and
warm, and reads the child's own peak resident set size with os.wait4. A one-model scan gives
the fixed part (interpreter, imports, rule pack); the rest, divided by the models, is what
each model costs (its result, its evidence, and the report, all held until the end).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import client_env, fresh, generate_repos, hub_double, machine


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, wall seconds, exit code) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="licscan-memory-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    ids = generate_repos(work / "repos", args.models)
    (work / "one.txt").write_text(ids[0] + "\n")
    (work / "all.txt").write_text("\n".join(ids) + "\n")
    print(f"machine: {machine()}")
    with hub_double(work / "repos", 0) as url:
        env = client_env(url, fresh(work / "cache"), fresh(work / "hf-home"))

        def run(manifest: str) -> tuple[float, float, int]:
            return peak_rss_mb([sys.executable, "-m", "licscan", "scan", "-m",
                                str(work / manifest), "-f", "json", "-o",
                                str(work / "report.json"), "-j", str(args.jobs)], env)

        one = run("one.txt")
        cold = run("all.txt")
        warm = run("all.txt")
    report_mb = (work / "report.json").stat().st_size / (1 << 20)
    print(f"1 model:              peak {one[0]:6.1f} MiB ({one[1]:.1f} s, exit {one[2]})")
    for name, (rss, seconds, code) in (("cold", cold), ("warm", warm)):
        per_model = (rss - one[0]) * 1024 / max(1, args.models - 1)
        print(f"{args.models} models, {name}: peak {rss:6.1f} MiB ({seconds:.1f} s, exit {code}),"
              f" {per_model:.0f} KiB per model above the one-model scan")
    print(f"JSON report: {report_mb:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
