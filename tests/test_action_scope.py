"""Diff scope, end to end: a real git repository with a base commit and a pull request on top,
the recorded pull_request event pointing at them, and `python -m licscan.action` evaluating only
the models added or changed in the manifest, the lockfile, a local model folder or the code
(`discover`). Hub models come from the project's Hub double on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_action import POLICY, card
from tests.test_action_pr import event_file, run


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout.strip()


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def lock(verdicts: dict[str, str]) -> str:
    return json.dumps({"lockfile_version": 2, "models": [
        {"source": "local", "id": f"models/{name}", "requested_revision": None,
         "verdict": verdict} for name, verdict in verdicts.items()]}, indent=2)


def manifest(*names: str) -> str:
    return "models:\n" + "".join(f"  - path: models/{n}\n" for n in names)


def base_repo(root: Path) -> str:
    """main: four local models, one of them (nc-model) denied by the policy."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"licscan.yaml": POLICY, "models.yaml": manifest("a", "b", "c", "nc"),
                 "licscan.lock": lock({"a": "allow", "b": "allow", "c": "allow", "nc": "deny"}),
                 "models/a/README.md": card("mit"), "models/b/README.md": card("apache-2.0"),
                 "models/c/README.md": card("mit"), "models/nc/README.md": card("cc-by-nc-4.0")})
    return commit_all(root, "main")


def evaluated(summary_json: Path) -> list[str]:
    return [m["id"] for m in json.loads(summary_json.read_text())["models"]]


def test_only_models_added_or_changed_are_evaluated(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    base = base_repo(root)
    git(root, "checkout", "-q", "-b", "add-model")
    write(root, {"models.yaml": manifest("a", "b", "c", "nc", "d"),  # d is new
                 "models/d/README.md": card("mit"),
                 # b's folder changes (no license text: an unidentified LICENSE would add
                 # unknown terms and a review)
                 "models/b/config.json": "{}\n",
                 "licscan.lock": lock({"a": "review", "b": "allow", "c": "allow",
                                       "nc": "deny"})})  # a's locked answer changed
    head = commit_all(root, "add d, touch b, relock a")
    event = event_file(tmp_path, base, head)

    done = run(root, event=event, formats="json")
    assert done.done.returncode == 0, done.done.stdout + done.done.stderr
    report = root / "licscan-report" / "licscan.json"
    assert evaluated(report) == ["models/a", "models/b", "models/d"]  # not c, not nc
    assert (done.outputs["scope"], done.outputs["skipped"], done.outputs["models"]) == \
        ("changed", "2", "3")
    assert f"3 model(s) added or changed since {base[:12]} evaluated; 2 unchanged model(s) " \
           "not evaluated (scope: changed)" in done.summary
    assert "::warning" not in done.done.stdout

    # scope: all evaluates the denied model the pull request did not touch
    everything = run(root, event=event, formats="json", scope="all")
    assert everything.done.returncode == 1 and everything.outputs["scope"] == "all"
    assert len(evaluated(report)) == 5 and everything.outputs["skipped"] == "0"

    # the working tree as head (no head commit): an uncommitted new model counts too
    write(root, {"models.yaml": manifest("a", "b", "c", "nc", "d", "e"),
                 "models/e/README.md": card("cc-by-nc-4.0")})
    worktree = run(root, formats="json", base_ref=base)
    assert worktree.done.returncode == 1
    assert evaluated(report) == ["models/a", "models/b", "models/d", "models/e"]


def test_a_changed_policy_or_rules_evaluates_every_model(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    base = base_repo(root)
    write(root, {"licscan.yaml": POLICY + "  review: [{family: apache}]\n"})
    head = commit_all(root, "policy")
    done = run(root, event=event_file(tmp_path, base, head), formats="json")
    assert done.done.returncode == 1 and done.outputs["scope"] == "all"
    assert done.outputs["models"] == "4" and done.outputs["review"] == "1"
    assert "licscan.yaml changed in this pull request, so every model was evaluated" \
        in done.summary


def test_without_the_base_commit_every_model_is_evaluated_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    base_repo(root)
    done = run(root, event=event_file(tmp_path, "1" * 40, "2" * 40), formats="json")
    assert done.done.returncode == 1 and done.outputs["scope"] == "all"
    assert done.outputs["models"] == "4"
    assert "::warning title=licscan scope::scope changed: the base commit 111111111111 is not " \
           "in the checkout and could not be fetched (use actions/checkout with fetch-depth: " \
           "0); every model is evaluated" in done.done.stdout
    pushed = run(root, formats="json")  # no pull request, no base-ref: everything, quietly
    assert pushed.outputs["scope"] == "all" and "::warning title=licscan scope" \
        not in pushed.done.stdout
    bad = run(root, formats="json", base_ref="--upload-pack=evil")
    assert bad.done.returncode == 2 and "base-ref is not a git commit or ref" in bad.done.stdout


def test_a_shallow_checkout_fetches_the_base_commit(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    base = base_repo(origin)
    write(origin, {"models.yaml": manifest("a", "b", "c", "nc", "d"),
                   "models/d/README.md": card("mit")})
    head = commit_all(origin, "add d")
    root = tmp_path / "ws"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(root))
    assert subprocess.run(["git", "cat-file", "-e", base], cwd=root,
                          capture_output=True, check=False).returncode != 0
    done = run(root, event=event_file(tmp_path, base, head), formats="json")
    assert done.done.returncode == 0, done.done.stdout
    assert (done.outputs["scope"], done.outputs["models"]) == ("changed", "1")


def test_discovered_references_new_in_the_pull_request(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    loader = "from transformers import AutoModel\n\nm = AutoModel.from_pretrained({!r})\n"
    write(root, {"licscan.yaml": POLICY, "models.yaml": "models: []\n",
                 "src/app.py": loader.format("acme/old-model"),
                 "src/other.py": loader.format("acme/other-model")})
    base = commit_all(root, "main")
    write(root, {"src/app.py": loader.format("acme/old-model")
                 + "n = AutoModel.from_pretrained('acme/new-model')\n"})
    head = commit_all(root, "use a new model")
    with HubDouble() as hub:
        for name, license_id in (("old-model", "mit"), ("other-model", "mit"),
                                 ("new-model", "cc-by-nc-4.0")):
            hub.add_model(RepoSpec(f"acme/{name}", files={"README.md": card(license_id)}))
        extra = {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "1"}
        done = run(root, event=event_file(tmp_path, base, head), extra_env=extra,
                   formats="json", discover="src")
        assert done.done.returncode == 1, done.done.stdout + done.done.stderr
        assert evaluated(root / "licscan-report" / "licscan.json") == ["acme/new-model"]
        assert (done.outputs["skipped"], done.outputs["deny"]) == ("2", "1")
        assert hub.count("acme/old-model") == hub.count("acme/other-model") == 0
        assert "::error file=src/app.py,line=4,title=licscan deny::acme/new-model" \
            in done.done.stdout
        everything = run(root, event=event_file(tmp_path, base, head), extra_env=extra,
                         formats="json", discover="src", scope="all")
        assert everything.outputs["models"] == "3"


def test_a_pull_request_that_touches_no_model_evaluates_none_and_passes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    base = base_repo(root)  # main already holds a denied model (nc)
    write(root, {"docs/notes.md": "unrelated change\n"})
    head = commit_all(root, "docs")
    done = run(root, event=event_file(tmp_path, base, head), formats="json,sarif,markdown")
    assert done.done.returncode == 0, done.done.stdout + done.done.stderr
    assert (done.outputs["scope"], done.outputs["models"], done.outputs["skipped"],
            done.outputs["hub-requests"]) == ("changed", "0", "4", "0")
    assert "0 model(s) added or changed" in done.summary
    assert json.loads((root / "licscan-report" / "licscan.sarif").read_text())["runs"][0][
        "results"] == []
