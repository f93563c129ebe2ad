"""The Action lint (scripts/lint_ci.sh: zizmor, actionlint when installed, a structural check of
action.yml): clean on the repository's action.yml and on the documented example workflow, and
it catches an action with template injection, an unpinned action and an undeclared input."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "lint_ci.sh"
FAKE_SHA = "0123456789abcdef0123456789abcdef01234567"


def lint(*targets: str | Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(["bash", str(SCRIPT), *map(str, targets)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_action_passes_the_lint() -> None:
    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lint_ci: zizmor action.yml" in done.stdout
    assert "lint_ci: structure of action.yml" in done.stdout
    assert done.stdout.rstrip().endswith("lint_ci: clean")
    if shutil.which("actionlint") is None:
        assert "lint_ci: actionlint not installed, skipped" in done.stdout


def test_the_lint_catches_injection_unpinned_actions_and_undeclared_inputs(
        tmp_path: Path) -> None:
    bad = tmp_path / "action.yml"
    bad.write_text(
        "name: bad\ndescription: an action with the usual mistakes\n"
        "inputs:\n  title:\n    description: a title\n    default: ''\n"
        "runs:\n  using: composite\n  steps:\n"
        "    - uses: actions/setup-python@v5\n"
        "    - name: Greet\n      shell: bash\n"
        "      run: echo \"${{ inputs.title }} ${{ inputs.tilte }}\"\n")
    done = lint(bad)
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "template-injection" in out and "unpinned-uses" in out  # zizmor
    assert "step 2 (Greet): an expression in a shell line (pass it through env)" in out
    assert "inputs.tilte is not a declared input" in out
    assert "actions/setup-python@v5 is not pinned by commit sha" in out
    assert done.stdout.rstrip().endswith("lint_ci: findings above")


def test_the_documented_example_workflow_passes_the_lint(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "github-action.md").read_text()
    [example] = [block for block in re.findall(r"```yaml\n(.*?)```", doc, re.S)
                 if block.startswith("# .github/workflows/licscan.yml")]
    assert "OWNER/licscan@" + FAKE_SHA in example  # the placeholder the page explains
    for ref in re.findall(r"uses: (\S+)", example):
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
    workflow = tmp_path / ".github" / "workflows" / "licscan.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(example)
    done = lint(workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_runs_when_it_is_on_path(tmp_path: Path) -> None:
    """A stand-in `actionlint` on PATH (the real one cannot be installed offline) shows the
    script hands it the workflow files and fails on its findings."""
    stub = tmp_path / "bin" / "actionlint"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\necho \"actionlint saw $*\"\nexit 1\n")
    stub.chmod(0o755)
    workflow = tmp_path / "wf.yml"
    workflow.write_text("on: push\njobs: {}\n")
    import os

    done = lint(workflow, path=f"{stub.parent}{os.pathsep}{os.environ['PATH']}")
    assert f"actionlint saw {workflow}" in done.stdout
    assert done.returncode == 1
