"""A reference text of the user's that is a built-in license's text, filed under the user's own
rule id, takes that license's place in identification: a named override, refused with
`--no-rule-overrides` (docs/terms.md, "Your own rules"). Through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from licscan.rulecheck import rule_overrides
from licscan.rulepack import load_rulepack
from tests.test_gate_rule_override import OUR_TEXT, _project
from tests.test_lockfile import licscan


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
