"""The Action's cache: the key step (`python -m licscan.action cache-key`, as action.yml runs it
before actions/cache) and what a warm cache saves, counted at the project's Hub double on
127.0.0.1: a cold run reads each model's info and files; a run with the cache restored (the
folder copied, as actions/cache restores it) makes one request per model, none for a model
pinned by commit sha."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_action import POLICY, card
from tests.test_action_pr import run

REPO = Path(__file__).resolve().parent.parent


def key_step(root: Path, runner_os: str = "Linux", **inputs: str) -> dict[str, str]:
    outputs = root.parent / "key-outputs.txt"
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env.update(PYTHONPATH=str(REPO), GITHUB_WORKSPACE=str(root), GITHUB_OUTPUT=str(outputs),
               RUNNER_OS=runner_os, RUNNER_TEMP=str(root.parent / "runner-temp"),
               **{f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    done = subprocess.run([sys.executable, "-m", "licscan.action", "cache-key"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in outputs.read_text().splitlines())


def project(root: Path, manifest: str, lock: str | None = "{}\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (root / "licscan.yaml").write_text(POLICY)
    (root / "models.yaml").write_text(manifest)
    if lock is not None:
        (root / "licscan.lock").write_text(lock)
    return root


def test_the_key_follows_the_lockfile_and_the_manifest_only(tmp_path: Path) -> None:
    root = project(tmp_path / "ws", "models:\n  - id: acme/a\n")
    first = key_step(root)
    assert first["restore-key"] == "licscan-v1-Linux-"
    assert first["key"].startswith("licscan-v1-Linux-") and len(first["key"]) == 17 + 40
    assert first["path"] == str(tmp_path / "runner-temp" / "licscan-cache")
    (root / "README.md").write_text("unrelated\n")
    assert key_step(root) == first  # other files do not matter
    assert key_step(root, "macOS")["key"].startswith("licscan-v1-macOS-")
    (root / "licscan.lock").write_text('{"models": []}\n')
    relocked = key_step(root)
    assert relocked["key"] != first["key"] and relocked["restore-key"] == first["restore-key"]
    (root / "models.yaml").write_text("models:\n  - id: acme/a\n  - id: acme/b\n")
    assert key_step(root)["key"] != relocked["key"]
    # the manifest named by licscan.yaml, or by the input
    (root / "licscan.yaml").write_text("manifest: other.yaml\n" + POLICY)
    (root / "other.yaml").write_text("models:\n  - id: acme/c\n")
    by_config = key_step(root)
    assert by_config["key"] != key_step(root, manifest="models.yaml")["key"]
    (root / "other.yaml").write_text("models:\n  - id: acme/d\n")
    assert key_step(root)["key"] != by_config["key"]
    # a broken licscan.yaml still gives a key (the scan step reports the error)
    (root / "licscan.yaml").write_text("policy: [\n")
    assert key_step(root)["key"].startswith("licscan-v1-Linux-")


def test_a_warm_cache_makes_one_request_per_model_or_none(tmp_path: Path) -> None:
    with HubDouble() as hub:
        names = ("acme/alpha", "acme/beta", "acme/gamma")
        for name in names:
            hub.add_model(RepoSpec(name, files={
                "README.md": card("mit"), "LICENSE": "Permission is granted to all.\n"}))
        pinned = hub.sha("acme/gamma")
        root = project(tmp_path / "ws", "models:\n  - id: acme/alpha\n  - id: acme/beta\n"
                       f"  - id: acme/gamma\n    revision: {pinned}\n")
        cache = key_step(root)["path"]
        env = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "LICSCAN_CACHE_DIR": cache,
               "HF_HUB_DISABLE_TELEMETRY": "1"}
        cold = run(root, extra_env=env, formats="json")
        assert cold.done.returncode == 0, cold.done.stdout + cold.done.stderr
        per_model_cold = {name: hub.count(name) for name in names}
        assert all(count >= 2 for count in per_model_cold.values()), per_model_cold
        assert int(cold.outputs["hub-requests"]) == sum(per_model_cold.values())

        # actions/cache restores the folder on the next run (here: a copy, modes kept)
        restored = tmp_path / "restored-cache"
        shutil.copytree(cache, restored)
        hub.reset_log()
        warm = run(root, extra_env={**env, "LICSCAN_CACHE_DIR": str(restored)},
                   formats="json")
        assert warm.done.returncode == 0 and warm.outputs["models"] == "3"
        per_model_warm = {name: hub.count(name) for name in names}
        assert per_model_warm == {"acme/alpha": 1, "acme/beta": 1, "acme/gamma": 0}
        assert warm.outputs["hub-requests"] == "2"
        print(f"requests per model: cold {per_model_cold}, warm {per_model_warm}")
