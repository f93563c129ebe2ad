"""licscan lock / check / lock --check, through the real CLI in fresh processes: the lockfile's
content and stability, the manifest/lock comparison (one line per problem, with file and line),
the policy decided offline from the lock alone, and drift against the Hub double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.hubdouble import HubDouble, RepoSpec

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("huggingface_hub", "httpx2", "httpx", "spdx_tools", "license_expression", "jsonschema",
         "jinja2")
OFFLINE = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1"}


def licscan(cwd: Path, *args: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, PYTHONPATH=str(REPO), **(env or OFFLINE))
    return subprocess.run([sys.executable, "-m", "licscan", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120, check=False)


def card(license_id: str) -> str:
    return f"---\nlicense: {license_id}\n---\n# a model\n"


def local_project(root: Path, models: dict[str, str], policy: str = "") -> Path:
    (root / ".git").mkdir(parents=True)
    for name, license_id in models.items():
        (root / "models" / name).mkdir(parents=True)
        (root / "models" / name / "README.md").write_text(card(license_id))
    (root / "models.yaml").write_text("models:\n" + "".join(
        f"  - path: models/{name}\n" for name in models))
    (root / "licscan.yaml").write_text(
        "manifest: models.yaml\ncontext:\n  use: commercial\n  monthly_active_users: 2000000\n"
        "  regions: [US]\npolicy:\n  deny: [non-commercial]\n  allow: [MIT]\n" + policy)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = local_project(tmp_path / "repo", {"mit-model": "mit", "apache-model": "apache-2.0",
                                             "llama-model": "llama3.1"})
    done = licscan(root, "lock")
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_the_lockfile_records_what_check_needs(project: Path) -> None:
    lock = json.loads((project / "licscan.lock").read_text())
    assert lock["lockfile_version"] == 2 and lock["manifest"] == "models.yaml"
    assert lock["rulepack"]["hash"].startswith("sha256:") and lock["rulepack"]["version"]
    assert lock["context_digest"].startswith("sha256:")
    ids = [m["id"] for m in lock["models"]]
    assert ids == sorted(ids) == ["models/apache-model", "models/llama-model", "models/mit-model"]
    llama = lock["models"][1]
    assert llama["license"] == "LicenseRef-scancode-llama-3.1-license-2024"
    assert llama["rules"] == ["llama3.1"] and llama["flags"]["commercial_use"] == "conditional"
    [leaf] = llama["licenses"]
    assert (leaf["rule"], leaf["family"], leaf["context"]["commercial_use"]) == \
        ("llama3.1", "llama", "allowed")
    assert llama["verdict"] == "allow" and llama["decided_by"] == "context:commercial_use"
    assert llama["evidence"]["card"].startswith("sha256:")
    assert lock["models"][2]["decided_by"] == "policy:allow[0]"


def test_relocking_an_unchanged_manifest_rewrites_the_same_bytes(project: Path) -> None:
    before = (project / "licscan.lock").read_bytes()
    (project / "models.yaml").write_text("models:\n  - path: models/mit-model\n"
                                         "  - path: models/llama-model\n"
                                         "  - path: models/apache-model\n")
    assert licscan(project, "lock").returncode == 0
    assert (project / "licscan.lock").read_bytes() == before


def test_check_passes_offline_and_imports_nothing_heavy(project: Path) -> None:
    probe = ("import sys\nfrom licscan.cli.check import check_command\n"
             "code = check_command.main([], standalone_mode=False)\n"
             f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
             "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(REPO), **OFFLINE),
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HEAVY []" in done.stdout
    assert "3 model(s): 3 allow, 0 review, 0 deny; 0 lockfile problem(s): passed" in done.stdout


def test_check_reports_each_disagreement_with_file_and_line(project: Path) -> None:
    (project / "models" / "nc-model").mkdir()
    (project / "models" / "nc-model" / "README.md").write_text(card("cc-by-nc-4.0"))
    (project / "models.yaml").write_text(
        "models:\n  - path: models/mit-model\n  - id: acme/new-model\n    revision: v2\n"
        "  - path: models/llama-model\n  - path: models/nc-model\n")
    done = licscan(project, "check")
    assert done.returncode == 1
    lock_lines = (project / "licscan.lock").read_text().splitlines()
    apache_line = lock_lines.index('      "id": "models/apache-model",') + 1
    assert done.stdout.splitlines()[:3] == [
        "models.yaml:3: acme/new-model: not in licscan.lock (run licscan lock)",
        "models.yaml:6: models/nc-model: not in licscan.lock (run licscan lock)",
        f"licscan.lock:{apache_line}: models/apache-model: locked but no longer in models.yaml "
        "(run licscan lock)"]
    assert "2 model(s): 2 allow, 0 review, 0 deny; 3 lockfile problem(s): FAILED" in done.stdout


def test_check_reports_a_changed_revision(tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit"})
    (root / "models.yaml").write_text("models:\n  - id: acme/base\n    revision: v2\n")
    done = licscan(root, "check")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == ("models.yaml:2: acme/base: revision is v2 in "
                                           "models.yaml but main in licscan.lock "
                                           "(run licscan lock)")


def test_check_decides_from_the_lock_with_the_current_policy(project: Path) -> None:
    config = project / "licscan.yaml"
    config.write_text(config.read_text().replace("deny: [non-commercial]",
                                                 "deny: [non-commercial, {family: llama}]"))
    done = licscan(project, "check")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        "models.yaml:4: models/llama-model: deny: Llama 3.1 Community License Agreement matches "
        "family llama [policy:deny[1]]")
    expires = (date.today() + timedelta(days=30)).isoformat()
    config.write_text(config.read_text() + "waivers:\n  - model: models/llama-model\n"
                      "    reason: signed agreement\n    approved_by: legal@example.com\n"
                      f"    expires: {expires}\n")
    assert licscan(project, "check").returncode == 0
    config.write_text(config.read_text().replace(expires, "2020-01-01"))
    done = licscan(project, "check")
    assert done.returncode == 1
    assert "licscan.yaml:10: waivers[0] models/llama-model: expired on 2020-01-01; it no " \
           "longer applies" in done.stdout
    config.write_text(config.read_text().replace("model: models/llama-model", "model: acme/gone"))
    done = licscan(project, "check")
    assert "licscan.yaml:10: waivers[0] acme/gone: expired on 2020-01-01" in done.stdout
    config.write_text(config.read_text().replace("2020-01-01", expires))
    done = licscan(project, "check")
    assert "licscan.yaml:10: waivers[0] acme/gone: matches no model in models.yaml" in done.stdout


def test_check_fails_on_review_when_asked(project: Path) -> None:
    config = project / "licscan.yaml"
    config.write_text(config.read_text().replace("allow: [MIT]", "review: [{family: llama}]\n"
                                                 "  allow: [MIT]"))
    done = licscan(project, "check")
    assert done.returncode == 0 and "review: " in done.stdout
    assert licscan(project, "check", "--fail-on", "review").returncode == 1


def test_check_wants_a_relock_when_the_context_changes(project: Path) -> None:
    config = project / "licscan.yaml"
    config.write_text(config.read_text().replace("2000000", "900000000"))
    done = licscan(project, "check")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == ("licscan.yaml:2: context: differs from the one "
                                           "licscan.lock was evaluated in (run licscan lock)")
    assert licscan(project, "lock").returncode == 0
    done = licscan(project, "check")
    assert done.returncode == 1 and "models/llama-model: deny: " in done.stdout
    assert "[context:commercial_use]" in done.stdout


def test_a_missing_or_broken_lockfile(project: Path) -> None:
    lockfile = project / "licscan.lock"
    lockfile.write_text('{"lockfile_version": 1, "models": [\n  {"id": }]}')
    done = licscan(project, "check")
    assert done.returncode == 2 and "licscan.lock:2: not valid JSON" in done.stderr
    lockfile.unlink()
    done = licscan(project, "check")
    assert done.returncode == 1 and done.stdout.startswith("licscan.lock: missing")


def test_lock_refuses_to_write_when_a_model_cannot_be_resolved(project: Path) -> None:
    before = (project / "licscan.lock").read_bytes()
    with (project / "models.yaml").open("a") as fh:
        fh.write("  - id: acme/unreachable\n")
    done = licscan(project, "lock")
    assert done.returncode == 1
    assert done.stdout.startswith("models.yaml:5: acme/unreachable: could not be resolved: ")
    assert (project / "licscan.lock").read_bytes() == before


# --- the Hub: check offline, drift -------------------------------------------------------------


def hub_env(hub: HubDouble, tmp_path: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home"),
            "NO_PROXY": "127.0.0.1,localhost", "HF_HUB_DISABLE_TELEMETRY": "1"}


_NAMES = {"mit": "the MIT License", "cc-by-nc-4.0": "CC BY-NC 4.0"}


def license_file(license_id: str, version: int) -> str:
    """A LICENSE that names its license (an unidentified text would add unknown terms)."""
    return f"This model is released under {_NAMES[license_id]}.\n\nversion {version}\n"


def hub_project(tmp_path: Path, hub: HubDouble, models: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for repo_id, license_id in models.items():
        hub.add_model(RepoSpec(repo_id=repo_id, files={
            "README.md": card(license_id), "LICENSE": license_file(license_id, 1)}))
    (root / "models.yaml").write_text("models:\n" + "".join(
        f"  - id: {repo_id}\n    revision: main\n" for repo_id in models))
    (root / "licscan.yaml").write_text("policy:\n  deny: [non-commercial]\n  allow: [MIT]\n")
    done = licscan(root, "lock", env=hub_env(hub, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def test_check_works_with_the_network_unreachable(tmp_path: Path, hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/nc": "cc-by-nc-4.0"})
    lock = json.loads((root / "licscan.lock").read_text())
    assert [m["revision"] for m in lock["models"]] == [hub.sha("acme/base"), hub.sha("acme/nc")]
    assert [m["requested_revision"] for m in lock["models"]] == ["main", "main"]
    assert [f["path"] for f in lock["models"][0]["evidence"]["files"]] == ["LICENSE"]
    hub.reset_log()
    hub.stop()
    done = licscan(root, "check")  # HF_ENDPOINT=http://127.0.0.1:9, HF_HUB_OFFLINE=1
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == ("models.yaml:4: acme/nc: deny: CC-BY-NC-4.0 matches "
                                           "category non-commercial [policy:deny[0]]")


def test_lock_check_reports_drift_when_the_license_changes(tmp_path: Path,
                                                           hub: HubDouble) -> None:
    root = hub_project(tmp_path, hub, {"acme/base": "mit", "acme/other": "mit"})
    env = hub_env(hub, tmp_path)
    old_sha = hub.sha("acme/base")
    assert licscan(root, "lock", "--check", env=env).returncode == 0
    hub.add_model(RepoSpec(repo_id="acme/base", files={
        "README.md": card("cc-by-nc-4.0"), "LICENSE": license_file("cc-by-nc-4.0", 2)}))
    hub.add_model(RepoSpec(repo_id="acme/other", files={
        "README.md": card("mit") + "\nbetter docs\n", "LICENSE": license_file("mit", 1)}))
    before = (root / "licscan.lock").read_bytes()
    done = licscan(root, "lock", "--check", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    drift = lines[0]
    assert drift.startswith("models.yaml:2: acme/base: drift: ")
    assert f"revision {old_sha[:12]} -> {hub.sha('acme/base')[:12]}" in drift
    assert "license MIT -> CC-BY-NC-4.0" in drift and "verdict allow -> deny" in drift
    assert "LICENSE " in drift and "card metadata changed" in drift
    assert lines[1].startswith("models.yaml:4: acme/other: moved; license evidence unchanged: ")
    assert "1 drifted" in lines[-1] and "FAILED" in lines[-1]
    assert (root / "licscan.lock").read_bytes() == before  # --check writes nothing
    assert licscan(root, "lock", env=env).returncode == 0
    assert licscan(root, "lock", "--check", env=env).returncode == 0
    assert licscan(root, "check").returncode == 1  # now locked, and denied


def test_check_and_lock_are_licscan_commands() -> None:
    from licscan.cli import _LazyGroup

    assert _LazyGroup._commands.get("check", ("",))[0] == "licscan.cli.check"
    assert _LazyGroup._commands.get("lock", ("",))[0] == "licscan.cli.lock"


def test_a_model_listed_twice_is_not_a_lockfile_problem(project: Path) -> None:
    with (project / "models.yaml").open("a") as fh:
        fh.write("  - path: models/mit-model\n")
    assert licscan(project, "lock").returncode == 0
    done = licscan(project, "check")
    assert done.returncode == 0, done.stdout
    assert "4 model(s): 4 allow" in done.stdout
