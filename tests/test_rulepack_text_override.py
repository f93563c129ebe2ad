"""A reference text of the user's that is a built-in license's text, filed under the user's own
rule id, takes that license's place in identification: a named override, refused with
`--no-rule-overrides` (docs/terms.md, "Your own rules"). Through the real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from licscan.rulecheck import rule_overrides
from licscan.rulepack import load_rulepack
from tests.test_gate_rule_override import OUR_TEXT, _project
from tests.test_lockfile import REPO, licscan


def _add_text(root: Path, text: Path, rule_id: str) -> None:
    done = licscan(root, "rules", "add-text", str(text), "--id", rule_id, "--rules", "ours")
    assert done.returncode == 0, done.stderr


def test_a_built_in_text_under_the_users_own_rule_id_is_a_forbidden_override(
        tmp_path: Path, corpus: Path) -> None:
    root = _project(tmp_path, "ours", "")
    shutil.copy(corpus / "mit.txt", root / "our-terms.txt")  # the text built-in rule mit has
    _add_text(root, root / "our-terms.txt", "ours")
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ours/fingerprints.json redefines the built-in rule 'mit' (reference text " \
           "'ours/our-terms.txt', identical to the built-in reference text 'mit')" in done.stderr
    warned = licscan(root, "scan", "-f", "json", "models/m")
    assert warned.returncode in (0, 1)
    assert "warning: ours/fingerprints.json redefines the built-in rule 'mit'" in warned.stderr


def test_a_text_of_the_users_own_is_still_no_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "")
    (root / "our-terms.txt").write_text(OUR_TEXT)
    _add_text(root, root / "our-terms.txt", "ours")
    merged = load_rulepack((str(root / "ours"),))
    assert rule_overrides(load_rulepack(), merged) == []


def test_a_pack_keeps_each_folders_own_fingerprints(tmp_path: Path) -> None:
    """The override check reads what the loader read, not the file again."""
    root = _project(tmp_path, "ours", "")
    (root / "our-terms.txt").write_text(OUR_TEXT)
    _add_text(root, root / "our-terms.txt", "ours")
    merged = load_rulepack((str(root / "ours"),))
    builtin, user = merged.layer_fingerprints
    assert "packed" in builtin and "texts" not in builtin
    assert list(user["texts"]) == ["ours/our-terms.txt"]
    assert merged.fingerprints["texts"] == user["texts"]


def _packed_text(root: Path, text: Path, rule_id: str, name: str = "ours.bin") -> None:
    """ours/<name>: the reference text packed by scripts/build_fingerprints.py, under a name
    of the user's (the script writes fingerprints.bin; the pointer's facts do not depend on
    the name)."""
    out = root / "built"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "build_fingerprints.py"),
                           "--no-corpus", "--text", f"{text}={rule_id}", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    pointer = json.loads((out / "fingerprints.json").read_text())
    pointer["packed"] = {name: pointer["packed"].pop("fingerprints.bin")}
    (root / "ours" / name).write_bytes((out / "fingerprints.bin").read_bytes())
    (root / "ours" / "fingerprints.json").write_text(json.dumps(pointer))


@pytest.mark.parametrize(("rule_id", "named"), [
    ("ours", "the built-in rule 'mit' (reference text 'ours/mit.txt' in 'ours.bin', identical "
             "to the built-in reference text 'mit')"),
    ("mit", "the built-in rule 'mit' (reference text 'mit/mit.txt' in 'ours.bin')"),
])
def test_a_built_in_text_in_a_packed_binary_of_a_new_name_is_a_forbidden_override(
        tmp_path: Path, corpus: Path, rule_id: str, named: str) -> None:
    """The rows of a user's packed binary are checked as the texts under `texts` are: a
    built-in license's text filed under the user's rule id or under the built-in one's."""
    root = _project(tmp_path, "ours", "")
    shutil.copy(corpus / "mit.txt", root / "mit.txt")
    _packed_text(root, root / "mit.txt", rule_id)
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"ours/fingerprints.json redefines {named}" in done.stderr, done.stderr
    warned = licscan(root, "scan", "-f", "json", "models/m")
    assert warned.returncode in (0, 1), warned.stderr
    assert f"warning: ours/fingerprints.json redefines {named}" in warned.stderr


def test_a_packed_binary_of_the_users_own_text_is_no_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "")
    (root / "our-terms.txt").write_text(OUR_TEXT)
    _packed_text(root, root / "our-terms.txt", "ours")
    merged = load_rulepack((str(root / "ours"),))
    assert "ours.bin" in merged.layer_fingerprints[1]["packed"]
    assert rule_overrides(load_rulepack(), merged) == []
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode in (0, 1), done.stderr


def test_a_packed_binary_that_does_not_load_is_an_error(tmp_path: Path) -> None:
    """Unread, a binary could hold any text: the override check fails closed, naming it."""
    root = _project(tmp_path, "ours", "")
    (root / "our-terms.txt").write_text(OUR_TEXT)
    _packed_text(root, root / "our-terms.txt", "ours")
    with (root / "ours" / "ours.bin").open("ab") as binary:
        binary.write(b"\0")
    pointer = json.loads((root / "ours" / "fingerprints.json").read_text())
    pointer["packed"]["ours.bin"].pop("header_sha256", None)  # then the whole file is hashed
    (root / "ours" / "fingerprints.json").write_text(json.dumps(pointer))
    done = licscan(root, "scan", "-f", "json", "models/m")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the packed reference texts 'ours.bin' do not load" in done.stderr
    assert "internal error" not in done.stderr
