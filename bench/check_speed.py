"""How fast is `licscan check` (the pre-commit path) on a 100-model manifest and lockfile?

    python bench/check_speed.py [--models 100] [--runs 15] [--instructions]

Builds a temporary repository (licscan.yaml with a context, rules and a waiver; models.yaml;
licscan.lock), then times `licscan check` against a bare interpreter start, wall clock, in
fresh processes, twice: on a machine that has no record of the lockfile (a fresh clone in CI:
every fact the pack determines is recomputed, and the Hub models are reported unverified,
their snapshots not being in the cache), and on the machine that ran `licscan lock` (the
entries it wrote are remembered in the licscan cache, licscan.lock.verify). The goal is under
0.3 s, close to the interpreter's own start-up. Also reports which heavy modules the check
imported (it must import none of them). The licscan cache is a temporary folder.
`--instructions` also counts the instructions of one run of each (valgrind's cachegrind, when
installed): unlike wall clock and CPU time, the count does not grow with the machine's load, so
it compares two versions on a shared machine (about 1e9 instructions is 0.1 s here, quiet).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import instructions

HEAVY = ("huggingface_hub", "httpx2", "httpx", "spdx_tools", "license_expression", "jsonschema",
         "jinja2")
GOAL_S = 0.3
LICENSES = [  # (key, rule, category, family, commercial_use)
    ("MIT", "mit", "permissive", "mit", "allowed"),
    ("Apache-2.0", "apache-2.0", "permissive", "apache", "allowed"),
    ("CC-BY-NC-4.0", "cc-by-nc-4.0", "non-commercial", "cc-by-nc", "prohibited"),
    ("LicenseRef-scancode-llama-3.1-license-2024", "llama3.1", "community", "llama",
     "conditional"),
    ("LicenseRef-licscan-gemma", "gemma", "responsible-ai", "gemma", "allowed"),
]


def _entry(index: int) -> dict[str, object]:
    key, rule, category, family, use = LICENSES[index % len(LICENSES)]
    flags = {"commercial_use": use, "modification": "allowed", "distribution": "allowed",
             "attribution": True, "share_alike": False, "acceptable_use_policy": False}
    return {
        "id": f"org{index:03d}/model-{index:03d}", "source": "hub", "requested_revision": "main",
        "revision": f"{index:040x}", "license": key, "rules": [rule], "flags": flags,
        "findings": [{"code": "license-file-missing", "severity": "info",
                      "message": "the repository ships no LICENSE, NOTICE or use-policy file"}],
        "licenses": [{"key": key, "rule": rule, "name": key, "category": category,
                      "family": family, "aliases": [rule], "flags": flags,
                      "context": {"commercial_use": use, "reason": f"commercial use is {use}"}}],
        "context": True, "evidence": {"card": "sha256:" + "0" * 64, "files": []},
        "verdict": "allow", "decided_by": "default-policy"}


def build(root: Path, count: int) -> None:
    from licscan.config import load_config
    from licscan.lock.file import _leaf_dict, dumps, lock_dict
    from licscan.lock.trust import model_flags
    from licscan.policy.facts import FactBuilder
    from licscan.rulepack import load_rulepack

    (root / ".git").mkdir()
    expires = (date.today() + timedelta(days=200)).isoformat()
    (root / "licscan.yaml").write_text(
        "manifest: models.yaml\ncontext:\n  use: commercial\n  monthly_active_users: 2000000\n"
        "  regions: [US, EU]\n  distribution: hosted\npolicy:\n  fail_on: deny\n"
        "  deny: [non-commercial, {flag: commercial_use, is: prohibited}]\n"
        "  review: [unknown, {finding: license-mismatch}]\n  allow: [MIT, apache-2.0, "
        "{family: llama}]\nwaivers:\n  - model: org002/model-002\n    reason: bought a license\n"
        f"    approved_by: legal@example.com\n    expires: {expires}\n")
    (root / "models.yaml").write_text("models:\n" + "".join(
        f"  - id: org{i:03d}/model-{i:03d}\n    revision: main\n" for i in range(count)))
    config = load_config(root / "licscan.yaml")
    # the facts the rule pack gives, stamped with the real pack: `check` recomputes them all
    # and finds nothing to refuse, so the full path is timed
    pack = load_rulepack(())
    builder = FactBuilder(pack, config.context)
    entries = []
    for index in range(count):
        entry = _entry(index)
        key = str(entry["license"])
        entry["licenses"] = [_leaf_dict(builder.leaf(key, None))]
        entry["flags"] = model_flags(key, builder)
        entry["evidence"] = {**entry["evidence"], "multimodal": None}  # type: ignore[dict-item]
        entries.append(entry)
    lock = lock_dict(entries, rulepack=pack.stamp(), manifest="models.yaml",
                     context_digest=config.context_digest)
    (root / "licscan.lock").write_text(dumps(lock))


def _command() -> list[str]:
    """`licscan check` when the command table has it; else the command object directly."""
    from licscan.cli import _LazyGroup

    if "check" in _LazyGroup._commands:
        return [sys.executable, "-m", "licscan", "check"]
    return [sys.executable, "-c", "import sys; from licscan.cli.check import check_command; "
            "sys.exit(check_command.main(sys.argv[1:], standalone_mode=False))"]


CPU: dict[int, list[float]] = {}  # per timing, the CPU seconds of each run (wall clock is
# noisy on a shared machine; the CPU time of a run is not)


def _time(argv: list[str], cwd: Path, env: dict[str, str], runs: int) -> tuple[list[float], str]:
    times, cpu, output = [], [], ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        output = done.stdout + done.stderr
    CPU[id(times)] = cpu
    return times, output


def _imported(cwd: Path, env: dict[str, str]) -> list[str]:
    probe = ("import sys\nfrom licscan.cli.check import check_command\n"
             "try:\n    check_command.main([], standalone_mode=False)\nfinally:\n"
             f"    print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    return list(json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"')))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions (valgrind), independent of the load")
    args = parser.parse_args()
    counts: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(prefix="licscan-bench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        env = dict(os.environ, HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9",
                   LICSCAN_CACHE_DIR=str(Path(tmp) / "cache"))
        build(root, args.models)
        bare, _ = _time([sys.executable, "-c", "pass"], root, env, args.runs)
        fresh, output = _time(_command(), root, env, args.runs)
        heavy = _imported(root, env)
        if args.instructions:
            counts["bare interpreter start"] = instructions([sys.executable, "-c", "pass"],
                                                             root, env)
            counts["no record of the lockfile"] = instructions(_command(), root, env)
        _remember(root, env)
        here, _ = _time(_command(), root, env, args.runs)
        if args.instructions:
            counts["locked on this machine"] = instructions(_command(), root, env)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(output.strip().splitlines()[-1])
    print(f"bare interpreter start : median {statistics.median(bare):.3f} s, "
          f"min {min(bare):.3f} s; CPU median {statistics.median(CPU[id(bare)]):.3f} s")
    for label, times in (("no record of the lockfile", fresh), ("locked on this machine", here)):
        print(f"licscan check ({args.models} models, {label}): median "
              f"{statistics.median(times):.3f} s, min {min(times):.3f} s  (goal < {GOAL_S} s); "
              f"minus interpreter {statistics.median(times) - statistics.median(bare):.3f} s; "
              f"CPU median {statistics.median(CPU[id(times)]):.3f} s")
    print(f"heavy modules imported : {', '.join(heavy) or 'none'}")
    for label, count in counts.items():
        print(f"instructions, {label}: " + (f"{count / 1e6:,.0f} million" if count is not None
                                            else "not counted (no valgrind)"))
    return 0 if max(statistics.median(fresh), statistics.median(here)) < GOAL_S \
        and not heavy else 1


def _remember(root: Path, env: dict[str, str]) -> None:
    """What `licscan lock` records of the entries it wrote (licscan.lock.verify.remember)."""
    code = ("import json, sys\nfrom licscan.lock.verify import open_cache, remember\n"
            "lock = json.load(open('licscan.lock'))\n"
            "remember(open_cache()[0], lock['models'], lock['rulepack']['hash'], "
            "lock['context_digest'])\n")
    subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True)


if __name__ == "__main__":
    sys.exit(main())
