"""action.yml's install step, run by bash as the runner runs it, with a stand-in interpreter that
records its calls (no package is downloaded): the hash-checked lock always, the Action's own
checkout by default, a PyPI release with `version`, and a `version` that is not a release number
refused before anything is installed. (tests/test_install_paths.py runs the real install.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
STUB = """#!/bin/sh
# a Python that records its arguments; `-m venv DIR` makes DIR/bin/python the same recorder
echo "$*" >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi
"""


def install_step(tmp_path: Path, version: str) -> tuple[subprocess.CompletedProcess[str],
                                                        list[str], dict[str, str]]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    [step] = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    assert step["env"]["LICSCAN_VERSION"] == "${{ inputs.version }}"
    python = tmp_path / "python"
    python.write_text(STUB)
    python.chmod(0o755)
    calls, outputs = tmp_path / "calls.txt", tmp_path / "outputs.txt"
    calls.write_text("")
    outputs.write_text("")
    env = dict(os.environ, LICSCAN_PYTHON=str(python), LICSCAN_SOURCE=str(REPO),
               LICSCAN_VERSION=version, RUNNER_TEMP=str(tmp_path), GITHUB_OUTPUT=str(outputs),
               CALLS=str(calls))
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    found = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return done, calls.read_text().splitlines(), found


def test_by_default_the_lock_is_installed_and_licscan_runs_from_the_checkout(
        tmp_path: Path) -> None:
    done, calls, outputs = install_step(tmp_path, "")
    assert done.returncode == 0, done.stderr
    assert calls == [f"-m venv {tmp_path}/licscan-venv",
                     "-m pip install --quiet --disable-pip-version-check --no-deps "
                     "--require-hashes --only-binary :all: -r "
                     f"{REPO}/requirements/action.txt"]
    assert outputs == {"pythonpath": str(REPO), "python": f"{tmp_path}/licscan-venv/bin/python"}


def test_a_version_installs_that_release_without_dependencies(tmp_path: Path) -> None:
    done, calls, outputs = install_step(tmp_path, "0.4.0")
    assert done.returncode == 0, done.stderr
    assert calls[1].endswith(f"-r {REPO}/requirements/action.txt")  # the lock first
    assert calls[2] == ("-m pip install --quiet --disable-pip-version-check --no-deps "
                        "--only-binary :all: licscan==0.4.0")
    assert outputs["pythonpath"] == ""  # the release, not the checkout, is imported


@pytest.mark.parametrize("version", ["main", "v0.4.0", "0.4.0 --index-url http://x.invalid",
                                     "0.4.0\nfoo", "$(touch pwned)", "0.4.*", "-r x"])
def test_a_version_that_is_not_a_release_number_is_refused_first(tmp_path: Path,
                                                                 version: str) -> None:
    done, calls, outputs = install_step(tmp_path, version)
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=licscan::version must be a release number")
    assert calls == [] and outputs == {} and not (tmp_path / "pwned").exists()
