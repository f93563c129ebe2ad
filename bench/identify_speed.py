#!/usr/bin/env python3
"""Speed of `licscan identify`, process start included, side by side with ScanCode.

    python bench/identify_speed.py [--corpus DIR] [--scancode PATH] [--runs N] [--json OUT]
    python bench/identify_speed.py --budgets [--instructions]

Measured: wall time and peak memory of one `licscan identify FILE` process (the pre-commit
case), with and without Python's bytecode cache; one process for every corpus file; and the
in-process time per file (exact-hash and fuzzy path). ScanCode runs on the same files from
its own installation (default /tmp/scancode-venv); when it is missing or fails, the bench
says so and prints licscan's figures alone.

`--budgets --instructions` also counts the instructions of one process each (valgrind's
cachegrind, from an empty temporary folder, PYTHONHASHSEED=0, with the bytecode cache): the
ratio to `python -c pass` then does not depend on the machine's load. It is higher than the
wall-clock ratio (an interpreter start is mostly loading and page faults, not instructions).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import instructions  # noqa: E402

TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
ONE_FILE = "llama3.1-license.txt"


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int | None, int]:
    """(wall seconds, peak RSS in KiB or None, exit code) of one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [TIME, "-f", "%M", "-o", rss.name, *command] if TIME else command
        start = time.perf_counter()
        proc = subprocess.run(wrapped, capture_output=True, env=env, cwd=ROOT)
        elapsed = time.perf_counter() - start
        peak = rss.read().strip().splitlines()
    kib = int(peak[-1]) if TIME and peak and peak[-1].isdigit() else None
    return elapsed, kib, proc.returncode


def licscan_command(files: list[Path]) -> list[str]:
    return [sys.executable, "-m", "licscan", "identify", *map(str, files)]


def environment(bytecode: bool, cache: str) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache  # keeps __pycache__ out of the tree
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def series(command: list[str], runs: int, env: dict[str, str] | None = None,
           ok: tuple[int, ...] = (0, 1)) -> dict[str, float | None]:
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, code = timed(command, env)
        if code not in ok:
            raise RuntimeError(f"{' '.join(command[:4])}... exited {code}")
        walls.append(wall)
        if peak:
            peaks.append(peak)
    return {"median_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
            "max_s": round(max(walls), 3),
            "peak_rss_mib": round(max(peaks) / 1024, 1) if peaks else None}


def in_process(files: list[Path]) -> dict[str, float]:
    from licscan.identify import identify_bytes
    from licscan.rulepack import load_rulepack

    start = time.perf_counter()
    pack = load_rulepack()
    load = time.perf_counter() - start
    datas = [f.read_bytes() for f in files]
    start = time.perf_counter()
    identify_bytes(datas[0], pack)
    first = time.perf_counter() - start
    exact: list[float] = []
    fuzzy: list[float] = []
    for data in datas:
        edited = data.replace(b"the ", b"teh ", 3)  # three typos: the fuzzy path
        for sample, bucket in ((data, exact), (edited, fuzzy)):
            start = time.perf_counter()
            identify_bytes(sample, pack)
            bucket.append(time.perf_counter() - start)
    return {"rulepack_load_s": round(load, 3), "first_call_ms": round(first * 1000, 1),
            "exact_median_ms": round(statistics.median(exact) * 1000, 2),
            "exact_max_ms": round(max(exact) * 1000, 2),
            "fuzzy_median_ms": round(statistics.median(fuzzy) * 1000, 2),
            "fuzzy_max_ms": round(max(fuzzy) * 1000, 2)}


def scancode(tool: Path, one: Path, files: list[Path], runs: int) -> dict[str, object]:
    if not tool.is_file():
        return {"error": f"ScanCode not installed at {tool} (python3 -m venv /tmp/scancode-venv "
                         "&& /tmp/scancode-venv/bin/pip install scancode-toolkit 'pluggy<1.6')"}
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch"
        batch.mkdir()
        for f in files:
            shutil.copy(f, batch / f.name)
        out = str(Path(tmp) / "out.json")
        try:
            single = series([str(tool), "--license", "-n", "1", "--json", out, "--quiet",
                             str(one)], runs, ok=(0,))
            many = series([str(tool), "--license", "-n", "2", "--json", out, "--quiet",
                           str(batch)], 1, ok=(0,))
        except RuntimeError as exc:
            return {"error": f"ScanCode failed: {exc}"}
    return {"one_file": single, "all_files": many}


_BULK = """
import resource, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from identify_accuracy import VARIANTS, corpus_texts
from pathlib import Path
from licscan.identify import identify_bytes
from licscan.rulepack import load_rulepack
texts = corpus_texts(Path({corpus!r}))
kinds = ["pristine", "rewrap-60", "markdown", "copyright-placeholder", "no-title"]
cases = [VARIANTS[k](t) for k in kinds for _n, t, _i in texts][:{count}]
start = time.perf_counter()
pack = load_rulepack()
statuses = {{}}
for data in cases:
    status = identify_bytes(data, pack).status
    statuses[status] = statuses.get(status, 0) + 1
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(cases), round(elapsed, 2), round(peak, 1), statuses)
"""


def counted(one: Path, edited: Path, env: dict[str, str]) -> dict[str, object]:
    """Instructions of `python -c pass` and of one-file identification, exact and fuzzy."""
    with tempfile.TemporaryDirectory(prefix="licscan-bench-") as empty:
        # (licscan imported from this checkout, not from the folder the process starts in)
        env = dict(env, PYTHONPATH=str(ROOT))
        bare = instructions([sys.executable, "-c", "pass"], Path(empty), env)
        exact = instructions(licscan_command([one]), Path(empty), env)
        fuzzy = instructions(licscan_command([edited]), Path(empty), env)
    if bare is None or exact is None or fuzzy is None:
        return {"instructions": "not counted (no valgrind)"}
    return {"instructions python -c pass (M)": round(bare / 1e6, 1),
            "instructions one file, exact / fuzzy (M)": (round(exact / 1e6, 1),
                                                         round(fuzzy / 1e6, 1)),
            "instruction ratio exact / fuzzy vs python -c pass": (round(exact / bare, 1),
                                                                   round(fuzzy / bare, 1))}


def budgets(corpus: Path, runs: int, count_instructions: bool = False) -> dict[str, object]:
    """Issue 11's budgets: one file <= 12x `python -c pass` (interpreter start included);
    2,400 texts in one process <= 20 s; peak memory of identify <= 150 MB."""
    one = corpus / ONE_FILE
    counts: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # as installed: with bytecode (a wheel install compiles it). Without a cache of our
        # own, an environment with PYTHONDONTWRITEBYTECODE=1 would time stale .pyc files,
        # i.e. compiling every module edited since they were written.
        warm = environment(True, str(Path(tmp) / "pycache"))
        bare = statistics.median(timed([sys.executable, "-c", "pass"], warm)[0]
                                 for _ in range(runs))
        edited = Path(tmp) / "LICENSE"
        edited.write_text(one.read_text(encoding="utf-8").replace("700 million", "900 million"),
                          encoding="utf-8")
        timed(licscan_command([edited]), warm)  # fills the bytecode cache
        exact = [timed(licscan_command([one]), warm) for _ in range(runs)]
        fuzzy = [timed(licscan_command([edited]), warm) for _ in range(runs)]
        if count_instructions:
            counts = counted(one, edited, warm)
    code = _BULK.format(root=str(ROOT), bench=str(ROOT / "bench"), corpus=str(corpus),
                        count=2400)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    count, seconds, peak, statuses = proc.stdout.strip().split(" ", 3)
    out = {"python -c pass (s)": round(bare, 3),
           "identify one file, exact (s)": round(statistics.median(e[0] for e in exact), 3),
           "identify one file, fuzzy (s)": round(statistics.median(f[0] for f in fuzzy), 3),
           "peak RSS one file, exact / fuzzy (MiB)": (
               round(max(e[1] or 0 for e in exact) / 1024, 1),
               round(max(f[1] or 0 for f in fuzzy) / 1024, 1)),
           "bulk texts": int(count), "bulk seconds": float(seconds), "bulk peak RSS (MiB)":
           float(peak), "bulk statuses": statuses}
    out["ratio exact / fuzzy vs python -c pass"] = (
        round(out["identify one file, exact (s)"] / bare, 1),  # type: ignore[operator]
        round(out["identify one file, fuzzy (s)"] / bare, 1))  # type: ignore[operator]
    out.update(counts)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--budgets", action="store_true",
                        help="only the issue-11 budgets (one file, 2,400 texts, memory)")
    parser.add_argument("--instructions", action="store_true",
                        help="with --budgets: also count instructions (valgrind), independent "
                             "of the machine's load")
    parser.add_argument("--scancode", type=Path, default=Path("/tmp/scancode-venv/bin/scancode"))
    parser.add_argument("--no-scancode", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.budgets:
        for key, value in budgets(args.corpus, args.runs, args.instructions).items():
            print(f"{key}: {value}")
        return 0
    files = sorted(args.corpus.glob("*.txt"))
    if not files:
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    one = args.corpus / ONE_FILE
    figures: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, load average "
                   f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "files": len(files), "bytes": sum(f.stat().st_size for f in files)}
    with tempfile.TemporaryDirectory() as cache:
        warm = environment(True, cache)
        timed(licscan_command([one]), warm)  # fills the bytecode cache
        figures["licscan_one_file"] = series(licscan_command([one]), args.runs, warm)
        figures["licscan_one_file_no_bytecode"] = series(
            licscan_command([one]), args.runs, environment(False, cache))
        figures["licscan_all_files"] = series(licscan_command(files), 3, warm)
    figures["licscan_in_process"] = in_process(files)
    if not args.no_scancode:
        figures["scancode"] = scancode(args.scancode, one, files, min(args.runs, 3))
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    one_file = figures["licscan_one_file"]
    assert isinstance(one_file, dict)
    return 0 if (one_file["median_s"] or 1) < 0.5 else 1


def report(f: dict[str, object]) -> None:
    print(f"machine: {f['machine']}; corpus: {f['files']} files, {f['bytes']} bytes")

    def row(label: str, item: object) -> None:
        assert isinstance(item, dict)
        rss = f"{item['peak_rss_mib']} MiB" if item.get("peak_rss_mib") else "n/a"
        print(f"  {label:44s} median {item['median_s']:.3f} s  (min {item['min_s']:.3f}, "
              f"max {item['max_s']:.3f})  peak RSS {rss}")

    print("licscan identify (one process, wall time incl. interpreter start):")
    row(f"one file ({ONE_FILE})", f["licscan_one_file"])
    row("one file, no bytecode cache", f["licscan_one_file_no_bytecode"])
    row(f"all {f['files']} files in one process", f["licscan_all_files"])
    inner = f["licscan_in_process"]
    assert isinstance(inner, dict)
    print(f"  in process: rule pack load {inner['rulepack_load_s']} s, first call "
          f"{inner['first_call_ms']} ms; per file exact {inner['exact_median_ms']} ms "
          f"(max {inner['exact_max_ms']}), fuzzy {inner['fuzzy_median_ms']} ms "
          f"(max {inner['fuzzy_max_ms']})")
    sc = f.get("scancode")
    if sc is None:
        return
    assert isinstance(sc, dict)
    if "error" in sc:
        print(f"ScanCode: not measured: {sc['error']}")
        return
    print("ScanCode (scancode --license, same machine):")
    row("one file (-n 1)", sc["one_file"])
    row(f"all {f['files']} files (-n 2)", sc["all_files"])
    ours, theirs = f["licscan_one_file"], sc["one_file"]
    ours_all, theirs_all = f["licscan_all_files"], sc["all_files"]
    assert isinstance(ours, dict) and isinstance(theirs, dict)
    assert isinstance(ours_all, dict) and isinstance(theirs_all, dict)
    print(f"speed-up: one file {theirs['median_s'] / ours['median_s']:.0f}x, all files "
          f"{theirs_all['median_s'] / ours_all['median_s']:.0f}x")


if __name__ == "__main__":
    sys.exit(main())
