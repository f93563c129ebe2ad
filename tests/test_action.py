"""The GitHub Action's script, run locally the way a runner runs it: GITHUB_WORKSPACE, temporary
GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, INPUT_* variables. No network (local models; the
Hub endpoint points at a closed port)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.test_sarif_markdown import validate_sarif

REPO = Path(__file__).resolve().parent.parent
TOKEN = "hf_" + "Sekret" * 6


def card(license_id: str) -> str:
    return f"---\nlicense: {license_id}\n---\n# a model\n"


def workspace(root: Path, models: dict[str, str], policy: str) -> Path:
    for name, license_id in models.items():
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "README.md").write_text(card(license_id))
    (root / "models.yaml").write_text("# the product's models\nmodels:\n" + "".join(
        f"  - path: models/{name}\n" for name in models))
    (root / "licscan.yaml").write_text(policy)
    (root / ".git").mkdir()
    return root


def run_action(root: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str],
                                                    dict[str, str], str]:
    summary, outputs = root.parent / "summary.md", root.parent / "outputs.txt"
    summary.write_text("")
    outputs.write_text("previous=step\n")
    clean = {k: v for k, v in os.environ.items()  # not the runner's own, when CI is Actions
             if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env = dict(clean, PYTHONPATH=str(REPO), GITHUB_WORKSPACE=str(root),
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs),
               HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_OFFLINE="1", INPUT_TOKEN=TOKEN,
               **{f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    done = subprocess.run([sys.executable, "-m", "licscan.action"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    lines = outputs.read_text().splitlines()
    assert lines[0] == "previous=step"  # appended, not overwritten
    return done, dict(line.split("=", 1) for line in lines[1:]), summary.read_text()


POLICY = "policy:\n  deny: [non-commercial]\n  allow: [MIT, apache-2.0]\n"


def test_the_action_writes_summary_outputs_sarif_and_fails_on_deny(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit", "nc-model": "cc-by-nc-4.0",
                                       "apache-model": "apache-2.0"}, POLICY)
    done, outputs, summary = run_action(root)  # the default formats, HTML included
    assert done.returncode == 1, done.stdout + done.stderr
    assert {k: outputs[k] for k in ("verdict", "failed", "models", "allow", "review", "deny",
                                    "errors")} == {
        "verdict": "deny", "failed": "true", "models": "3", "allow": "2", "review": "0",
        "deny": "1", "errors": "0"}
    assert outputs["report-dir"] == "licscan-report"
    assert "<html" in (root / outputs["html-file"]).read_text().lower()
    for fmt, ext in (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("html", "html")):
        assert outputs[f"{fmt}-file"] == f"licscan-report/licscan.{ext}"
        assert (root / outputs[f"{fmt}-file"]).is_file()
    assert summary.startswith("## ❌ licscan: 1 deny, 0 review, 2 allow")
    attention = summary.split("### Needs attention", 1)[1].split("\n### ", 1)[0]
    for part in ("**models/nc-model** (models.yaml:4)", "deny", "policy:deny\\[0\\]",
                 "CC-BY-NC-4.0 matches category non-commercial"):
        assert part in attention, attention  # the reason and the rule, whatever the layout
    assert "mit-model" not in attention
    assert summary == (root / outputs["markdown-file"]).read_text()

    log = json.loads((root / outputs["sarif-file"]).read_text())
    validate_sarif(log)
    [result] = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("licscan/deny", "error")
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "models.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4}}
    report = json.loads((root / outputs["json-file"]).read_text())
    assert [m["decided_by"] for m in report["models"]] == \
        ["policy:allow[0]", "policy:deny[0]", "policy:allow[1]"]

    stdout = done.stdout
    assert "::error file=models.yaml,line=4,title=licscan deny::models/nc-model: deny: " \
           "CC-BY-NC-4.0 matches category non-commercial [policy:deny[0]]" in stdout
    token = re.search(r"^::stop-commands::([0-9a-f]{32})$", stdout, re.MULTILINE)
    assert token is not None and f"\n::{token.group(1)}::\n" in stdout
    assert stdout.index("MODEL ") < stdout.index(f"::{token.group(1)}::")  # table inside
    for text in (stdout, done.stderr, summary, *(p.read_text() for p in
                                                 (root / "licscan-report").iterdir())):
        assert TOKEN not in text


def test_fail_on_review_and_a_passing_scan(tmp_path: Path) -> None:
    policy = POLICY + "  review: [{family: apache}]\n"
    root = workspace(tmp_path / "ws", {"mit-model": "mit", "apache-model": "apache-2.0"}, policy)
    done, outputs, _ = run_action(root, formats="json")
    assert done.returncode == 0 and outputs["verdict"] == "review"
    assert outputs["failed"] == "false" and "sarif-file" not in outputs
    assert "::warning file=models.yaml,line=4,title=licscan review::" in done.stdout
    done, outputs, _ = run_action(root, formats="json", fail_on="review")
    assert done.returncode == 1 and outputs["failed"] == "true"


def test_a_configuration_error_is_annotated_at_its_line(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"mit-model": "mit"},
                     "policy:\n  deny:\n    - {category: comercial}\n")
    done, outputs, summary = run_action(root)
    assert done.returncode == 2
    assert "::error file=licscan.yaml,line=3,title=licscan%3A policy.deny[0]::unknown category " \
           "'comercial'" in done.stdout
    assert outputs == {"verdict": "error", "failed": "true"}
    assert summary.startswith("## licscan: configuration error")


def test_the_action_on_the_bundled_examples(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(REPO / "examples", root)
    (root / "licscan.yaml").write_text(
        "manifest: models.yaml\ncontext:\n  use: commercial\n  monthly_active_users: 2000000\n"
        "  regions: [US]\npolicy:\n  deny: [non-commercial]\n  review: [unknown]\n")
    done, outputs, summary = run_action(root, formats="json,sarif,markdown")
    assert done.returncode == 1 and outputs["verdict"] == "deny"
    assert int(outputs["models"]) == 8 and int(outputs["deny"]) >= 2
    log = json.loads((root / outputs["sarif-file"]).read_text())
    validate_sarif(log)
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"]
             for r in log["runs"][0]["results"]}
    manifest = (root / "models.yaml").read_text().splitlines()
    assert all(manifest[line - 1].strip().startswith("- path:") for line in lines)
    assert "aya-research-nc" in summary and "flux-dev-anime-lora" in summary


def test_action_yml_runs_the_script_with_every_input() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["LICSCAN_SOURCE"] == "${{ github.action_path }}"
    scan = next(s for s in steps if s.get("id") == "scan")
    assert scan["run"].endswith("-m licscan.action'") or "-m licscan.action" in scan["run"]
    assert "${{" not in scan["run"]  # inputs reach the script only through env
    elsewhere = {"python-version": "python", "version": "install", "cache": "cache"}
    for name in action["inputs"]:
        if name in elsewhere:  # used by another step, never in a shell line
            step = next(s for s in steps if s.get("id") == elsewhere[name])
            assert f"inputs.{name}" in json.dumps(step) and "${{" not in step.get("run", "")
            continue
        key = f"INPUT_{name.upper().replace('-', '_')}"
        assert scan["env"][key] == f"${{{{ inputs.{name} }}}}"
    for name, output in action["outputs"].items():
        step, source = {"cache-key": ("key", "key"),
                        "cache-hit": ("cache", "cache-hit")}.get(name, ("scan", name))
        assert output["value"] == f"${{{{ steps.{step}.outputs.{source} }}}}"


def test_action_yml_pins_actions_by_commit_and_installs_from_a_hash_checked_lock() -> None:
    text = (REPO / "action.yml").read_text()
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", text, re.MULTILINE)
    assert uses, "the composite action uses no action?"
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref  # a sha, not a tag
        assert re.fullmatch(r"\s*# v\d+(\.\d+)*", comment), f"{ref}: no version comment"
    action = yaml.safe_load(text)
    runs = [s["run"] for s in action["runs"]["steps"] if "pip install" in s.get("run", "")]
    assert len(runs) == 1
    install = " ".join(runs[0].split())
    assert "--require-hashes" in install and "--no-deps" in install
    assert '-r "$LICSCAN_SOURCE/requirements/action.txt"' in install
    assert not re.search(r'pip install [^\n]*"\$LICSCAN_SOURCE"\s*$', install)  # no unpinned

    lock = (REPO / "requirements" / "action.txt").read_text()
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}"
                         r"(?: \\)?\n)+)", lock, re.MULTILINE)
    names = {name.lower().replace("_", "-") for name, _version, _hashes in entries}
    requirements = [line for line in lock.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(requirements) == len(entries)  # every requirement pinned, with hashes
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", dependency, maxsplit=1)[0].lower().replace("_", "-")
        assert name in names, f"{name} is not in requirements/action.txt"
