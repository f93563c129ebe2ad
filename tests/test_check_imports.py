"""`licscan --help` and `licscan check` start light: through the real entry point (the lazy
command group included), in a fresh process, neither imports the Hub client, the HTTP client,
the SPDX tools, jsonschema or jinja2, nor license-expression unless it concludes an entry
again (a local folder read on another machine); `--help` not even the YAML parser,
the rule pack or the scanner. The check runs the whole path, recomputation and verification
included, on a lockfile it finds nothing to refuse in."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.hubdouble import HubDouble
from tests.test_lockfile import HEAVY, OFFLINE, REPO, hub_project, licscan, local_project

_PROBE = ("import sys\nfrom licscan.cli import main\ntry:\n    main(sys.argv[1:])\n"
          "except SystemExit as exc:\n    code = exc.code\n"
          "print('IMPORTED', sorted(m for m in sys.argv[0].split(',') if m in sys.modules))\n"
          "sys.exit(code)\n")


def imported(cwd: Path, watched: tuple[str, ...], *args: str,
             env: dict[str, str] | None = None) -> tuple[int, str, list[str]]:
    """Run `licscan ARGS`; its exit code, output, and which of `watched` it imported."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("sys.argv[0]", repr(",".join(watched))), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, PYTHONPATH=str(REPO), **(env or OFFLINE)))
    lines = [line for line in done.stdout.splitlines() if line.startswith("IMPORTED ")]
    assert lines, done.stdout + done.stderr
    return done.returncode, done.stdout, ast.literal_eval(lines[-1].removeprefix("IMPORTED "))


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    watched = (*HEAVY, "yaml", "licscan.rulepack", "licscan.scan", "licscan.identify.engine")
    code, out, found = imported(tmp_path, watched, "--help")
    assert code == 0 and "Commands:" in out
    assert found == []
    assert imported(tmp_path, ("click",), "--help")[2] == ["click"]  # the probe sees imports


def test_check_imports_nothing_heavy_through_the_whole_path(tmp_path: Path) -> None:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0",
                                             "llama-model": "llama3.1"})
    here = {**OFFLINE, "LICSCAN_CACHE_DIR": str(tmp_path / "cache")}
    assert licscan(root, "lock", env=here).returncode == 0
    watched = (*HEAVY, "licscan.policy.facts", "licscan.lock.verify", "licscan.scan")
    summary = "3 model(s): 2 allow, 0 review, 1 deny; 0 lockfile problem(s)"
    # the machine that locked: every entry remembered, nothing recomputed
    code, out, found = imported(root, watched, "check", env=here)
    assert code == 1 and summary in out, out  # the non-commercial model is denied
    assert found == ["licscan.lock.verify"]
    # another machine: the facts recomputed from the rule pack, the folders concluded again
    # the way a scan concludes (which is what license-expression is for, and all it loads)
    elsewhere = {**OFFLINE, "LICSCAN_CACHE_DIR": str(tmp_path / "another-machine")}
    code, out, found = imported(root, watched, "check", env=elsewhere)
    assert code == 1 and summary in out, out
    assert found == ["license_expression", "licscan.lock.verify", "licscan.policy.facts",
                     "licscan.scan"]


def test_check_of_hub_models_it_cannot_verify_imports_nothing_heavy(tmp_path: Path,
                                                                   hub: HubDouble) -> None:
    """The pre-commit case of a fresh clone: Hub models whose snapshots are not in this
    machine's cache. Every fact is recomputed; nothing is concluded, nothing heavy loaded."""
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/nc": "cc-by-nc-4.0"})
    hub.stop()
    elsewhere = {**OFFLINE, "LICSCAN_CACHE_DIR": str(tmp_path / "another-machine")}
    watched = (*HEAVY, "licscan.policy.facts", "licscan.scan")
    code, out, found = imported(root, watched, "check", env=elsewhere)
    assert code == 1 and "2 model(s): 1 allow, 0 review, 1 deny" in out, out
    assert "2 model(s) unverified" in out
    assert found == ["licscan.policy.facts"]
