"""Terminal text, paths in licscan.yaml and rule overrides, through the real CLI: every field
is escaped (control, bidi and other invisible format characters), licscan.yaml cannot point
outside the repository, and a rule pack of the user's cannot silently redefine a built-in
license."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from licscan import redact
from tests.test_lockfile import REPO, licscan, local_project

# What a terminal (or a text view) acts on instead of showing.
HOSTILE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u206f\ufeff]")


def test_printable_escapes_every_control_and_format_character() -> None:
    printable, printable_line = redact.printable, redact.printable_line
    kept = "\n\t"
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs") and char not in kept:
            assert printable(char) != char, f"U+{code:04X} passes printable()"
        assert printable_line(char) == char or unicodedata.category(char) in (
            "Cc", "Cf", "Zl", "Zp", "Cs", "Cn")
    assert printable_line("a\nb\tc") == "a\\x0ab\\x09c"
    assert printable("\x1b]52;c;ZXZpbA==\x07") == "\\x1b]52;c;ZXZpbA==\\x07"
    assert printable("\u2028\u2029\u061c\ufeff\u202e\u2066\x9b") == \
        "\\u2028\\u2029\\u061c\\ufeff\\u202e\\u2066\\x9b"


def test_every_field_of_the_text_table_is_escaped(tmp_path: Path) -> None:
    # every free-text field carries a payload (a saved report must follow the report schema,
    # so the words of verdicts and flags cannot: see the end)
    saved = {"schema_version": 1, "tool": {"name": "licscan", "version": "x"},
             "rulepack": {"version": "1\x1b[2J", "hash": "sha256:" + "0" * 64},
             "models": [{
                 "id": "acme/\u202egnp.exe", "source": "hub", "status": "ok",
                 "revision": "\x1b]52;c;ZXZpbA==\x07\x1b[31m", "verdict": "deny",
                 "verdict_reason": "because\u2029::error::x\u2066",
                 "declared": {"license": "mit\u2028x", "license_name": None, "license_link": None},
                 "license": {"expression": "MIT\ufeff\u061c", "name": None, "confidence": 0,
                             "evidence": []},
                 "flags": {"commercial_use": "allowed", "modification": "allowed",
                           "distribution": "allowed"},
                 "findings": [{"code": "x", "severity": "review",
                               "message": "line\nforged: allow", "evidence": []}]}],
             "summary": {"models": 1, "ok": 1, "error": 0,
                         "verdicts": {"allow": 0, "review": 0, "deny": 1}, "worst_verdict": "deny"}}
    report = tmp_path / "scan.json"
    report.write_text(json.dumps(saved))
    done = licscan(tmp_path, "report", str(report), "-f", "text")
    assert done.returncode == 0, done.stderr
    assert not HOSTILE.search(done.stdout), repr(done.stdout)
    header, row = done.stdout.splitlines()[:2]
    assert header.startswith("MODEL") and "\\x1b]52" in row  # the REV cell, escaped
    assert "forged: allow" not in [line.strip() for line in done.stdout.splitlines()]
    saved["models"][0]["verdict"] = "deny\u2028x"  # type: ignore[index]
    report.write_text(json.dumps(saved))
    done = licscan(tmp_path, "report", str(report), "-f", "text")
    assert done.returncode == 2 and "/models/0/verdict" in done.stderr
    assert not HOSTILE.search(done.stdout + done.stderr), repr(done.stderr)


def test_licscan_yaml_paths_stay_in_the_repository(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret first line\n")
    root = local_project(tmp_path / "repo", {"mit-model": "mit"})
    config = root / "licscan.yaml"
    text = config.read_text()
    for value in (str(secret), "../secret.txt"):
        config.write_text(text.replace("manifest: models.yaml", f"manifest: {value}"))
        done = licscan(root, "check")
        assert done.returncode == 2
        assert "licscan.yaml:1: manifest: must be a path inside the repository" in done.stderr
        assert "secret first line" not in done.stdout + done.stderr

    (root / "linked.yaml").symlink_to(secret)  # a committed symlink is followed, then refused
    config.write_text(text.replace("manifest: models.yaml", "manifest: linked.yaml"))
    assert licscan(root, "check").returncode == 2

    config.write_text(text + "lockfile: ../elsewhere.lock\n")
    done = licscan(root, "lock")
    assert done.returncode == 2 and "lockfile: must be a path inside the repository" in \
        done.stderr
    assert not (tmp_path / "elsewhere.lock").exists()


@pytest.fixture
def overriding(tmp_path: Path) -> Path:
    """A project whose own rule pack redefines CC-BY-NC-4.0 as a permissive license."""
    root = local_project(tmp_path / "repo", {"nc-model": "cc-by-nc-4.0"})
    rule = (REPO / "rules" / "licenses" / "cc-by-nc-4.0.yaml").read_text()
    rule = rule.replace("category: non-commercial", "category: permissive")
    rule = rule.replace("commercial_use: prohibited", "commercial_use: allowed")
    (root / "our-rules" / "licenses").mkdir(parents=True)
    (root / "our-rules" / "licenses" / "cc-by-nc-4.0.yaml").write_text(rule)
    config = root / "licscan.yaml"
    config.write_text(config.read_text() + "rules: our-rules\n")
    return root


def test_a_rule_override_is_named_and_can_be_forbidden(overriding: Path) -> None:
    done = licscan(overriding, "scan", "models/nc-model")
    assert ("licscan.yaml:9: rules: warning: our-rules/licenses/cc-by-nc-4.0.yaml redefines "
            "the built-in rule 'cc-by-nc-4.0'") in done.stderr

    done = licscan(overriding, "scan", "--no-rule-overrides", "models/nc-model")
    assert done.returncode == 2
    assert "licscan.yaml:9: rules: our-rules/licenses/cc-by-nc-4.0.yaml redefines the " \
           "built-in rule 'cc-by-nc-4.0'" in done.stderr

    done = licscan(overriding, "lock")
    assert done.returncode == 0 and "redefines the built-in rule 'cc-by-nc-4.0'" in done.stderr
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1",
           "LICSCAN_NO_RULE_OVERRIDES": "1"}
    done = licscan(overriding, "check", env=env)
    assert done.returncode == 2 and "rule overrides are forbidden here" in done.stderr


def test_a_new_rule_claiming_a_built_in_expression_id_is_an_override(overriding: Path) -> None:
    folder = overriding / "our-rules" / "licenses"
    text = (folder / "cc-by-nc-4.0.yaml").read_text().replace("id: cc-by-nc-4.0",
                                                              "id: aaa-nc", 1)
    (folder / "cc-by-nc-4.0.yaml").unlink()
    (folder / "aaa-nc.yaml").write_text(re.sub(r"(?m)^supersedes: .*\n", "", text))
    done = licscan(overriding, "scan", "--no-rule-overrides", "models/nc-model")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "aaa-nc.yaml redefines the built-in rule 'cc-by-nc-4.0' (expression id " \
           "'CC-BY-NC-4.0')" in done.stderr
