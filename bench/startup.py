"""Start-up cost of the CLI: wall time of fresh processes against a bare interpreter.

    .venv/bin/python bench/startup.py [--runs 15]

Times `python -c pass`, `licscan --help`, `licscan scan --help`, `licscan check` on the
100-model repository that bench/check_speed.py builds (its own benchmark has the details),
and a one-model local `licscan scan` (imports, rule pack and report: the fixed cost every scan
pays). Medians of --runs runs, after one warm-up run each. Also lists the heavy modules
`licscan --help` imports (it should import none).
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import REPO, machine, median_wall

HEAVY = ("huggingface_hub", "httpx2", "yaml", "jinja2", "jsonschema", "license_expression",
         "spdx_tools", "licscan.rulepack", "licscan.scan")


def _check_repo(root: Path) -> bool:
    """Build check_speed.py's repository (licscan.yaml, models.yaml, licscan.lock)."""
    spec = importlib.util.spec_from_file_location("check_speed", REPO / "bench" / "check_speed.py")
    if spec is None or spec.loader is None:
        return False
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        module.build(root, 100)
    except Exception as exc:  # another engineer's module: report, do not fail the bench
        print(f"licscan check: skipped ({type(exc).__name__}: {exc})")
        return False
    return True


def _heavy_imports(licscan: str) -> list[str]:
    code = (f"import sys, runpy; sys.argv = [{licscan!r}, '--help']\n"
            "try:\n    runpy.run_module('licscan', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            f"print('HEAVY:', *(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    lines = [line for line in out.stderr.splitlines() if line.startswith("HEAVY:")]
    return lines[-1].split()[1:] if lines else ["(could not tell)"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    licscan = str(Path(sys.executable).parent / "licscan")
    work = Path(tempfile.mkdtemp(prefix="licscan-startup-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    model = work / "model"
    model.mkdir()
    (model / "README.md").write_text("---\nlicense: mit\n---\n# model\n")
    (model / "LICENSE").write_text("MIT License\n\nCopyright (c) 2024 Acme\n")
    print(f"machine: {machine()}")
    base = median_wall([sys.executable, "-c", "pass"], args.runs)
    rows = [("python -c pass", base)]
    rows.append(("licscan --help", median_wall([licscan, "--help"], args.runs)))
    rows.append(("licscan scan --help", median_wall([licscan, "scan", "--help"], args.runs)))
    repo = work / "check-repo"
    repo.mkdir()
    if _check_repo(repo):
        code = subprocess.run([licscan, "check", "--config", str(repo / "licscan.yaml")],
                              capture_output=True, check=False).returncode
        print(f"licscan check on check_speed.py's repository exits {code} (its policy denies "
              "the non-commercial models: a real run, failing as it should)")
        rows.append(("licscan check (100 models)", median_wall(
            [licscan, "check", "--config", str(repo / "licscan.yaml")], args.runs)))
    rows.append(("licscan scan LOCAL (1 model)", median_wall(
        [licscan, "scan", str(model), "-f", "json", "-o", str(work / "r.json")], args.runs)))
    for name, seconds in rows:
        extra = "" if name == rows[0][0] else f"  (+{(seconds - base) * 1000:.0f} ms)"
        print(f"{name:32} {seconds * 1000:7.0f} ms{extra}")
    heavy = _heavy_imports(licscan)
    print(f"heavy modules imported by `licscan --help`: {', '.join(heavy) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
