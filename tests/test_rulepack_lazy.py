"""The built-in pack is hashed on load and built on first use (issue 13: `licscan check` with
every entry remembered needs the hash alone); a user's folder is still built, and refused, on
load."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from licscan import _resources, rulepack
from licscan.errors import RulePackError


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders whose rules were built (compiled.jsonl decoded or YAML parsed)."""
    calls: list[str] = []
    real = rulepack._parsed_rules

    def counted(root: Path, *args: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        calls.append(root.name)
        return real(root, *args)

    monkeypatch.setattr(rulepack, "_parsed_rules", counted)
    return calls


def _uncached(*dirs: Path) -> rulepack.RulePack:
    return rulepack._load_cached.__wrapped__(tuple(str(d) for d in dirs))


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(_resources.rules_dir(), root,
                    ignore=shutil.ignore_patterns("fingerprints.bin", "references.tsv"))
    return root


def test_the_hash_needs_no_rule_built(parses: list[str]) -> None:
    reference = rulepack.load_rulepack()
    expected = dict(reference.rules)
    parses.clear()
    pack = _uncached(_resources.rules_dir())
    assert pack.stamp() == reference.stamp()
    assert parses == []
    assert pack.get("mit") == expected["mit"]
    assert dict(pack.rules) == expected
    assert parses == ["rules"]  # built once
    assert pack.by_expression_id["apache-2.0"].id == "apache-2.0"
    assert parses == ["rules"]


def test_one_rule_asked_for_builds_that_rule_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Identifying one file asks for the few rules it names: with compiled.jsonl current, only
    those are built; going over the rules builds the rest."""
    built: list[str] = []
    real = rulepack._rule

    def counted(data: dict[str, Any], origin: str) -> rulepack.Rule:
        built.append(Path(origin).stem)
        return real(data, origin)

    monkeypatch.setattr(rulepack, "_rule", counted)
    pack = _uncached(_resources.rules_dir())
    assert pack.get("llama3.1") is not None and pack.rules.get("no-such-rule") is None
    assert "mit" in pack.rules and "no-such-rule" not in pack.rules
    assert built == ["llama3.1"]
    assert pack.rules["llama3.1"] is pack.get("llama3.1")
    assert len(list(pack.rules)) == len(pack.rules) > 100
    assert sorted(built) == sorted(pack.rules)  # each built once


def test_a_rule_built_alone_has_its_references_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    compiled = rulepack.read_compiled((root / rulepack.COMPILED).read_bytes())
    compiled["rules"]["licenses/llama3.1.yaml"]["use_policy"] = "no-such-policy"
    (root / rulepack.COMPILED).write_text(rulepack.write_compiled(compiled), encoding="utf-8")
    monkeypatch.setattr(_resources, "rules_dir", lambda: root)
    pack = _uncached(root)
    with pytest.raises(RulePackError, match="unknown rule 'no-such-policy'"):
        pack.get("llama3.1")
    assert pack.get("mit") is not None


def test_an_edited_rule_file_changes_the_hash_before_any_rule_is_built(
        tmp_path: Path, parses: list[str]) -> None:
    root = _copy(tmp_path)
    before = _uncached(root).hash
    mit = root / "licenses" / "mit.yaml"
    mit.write_bytes(mit.read_bytes() + b"# an edit\n")
    assert _uncached(root).hash != before
    assert parses == []


def test_a_broken_rule_file_is_refused_when_the_rules_are_used(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    mit = root / "licenses" / "mit.yaml"
    mit.write_text(mit.read_text(encoding="utf-8").replace("id: mit\n", "id: not-mit\n", 1),
                   encoding="utf-8")
    pack = _uncached(root)
    with pytest.raises(RulePackError, match="differs from the file name"):
        pack.get("apache-2.0")
    with pytest.raises(RulePackError, match="differs from the file name"):
        len(pack.derived)  # the derived rules exclude the hand-written ones: built first


def test_a_users_folder_is_built_and_refused_on_load(tmp_path: Path, parses: list[str]) -> None:
    user = tmp_path / "mine"
    (user / "licenses").mkdir(parents=True)
    (user / "licenses" / "acme.yaml").write_text(
        "id: other\nname: Acme\nexpression_id: LicenseRef-acme\nkind: license\n"
        "category: commercial\nflags: {commercial_use: unknown, modification: unknown,\n"
        "  distribution: unknown}\n", encoding="utf-8")
    with pytest.raises(RulePackError, match="differs from the file name"):
        _uncached(_resources.rules_dir(), user)
    assert parses == ["rules", "mine"]


def _cut_line(raw: bytes, name: str) -> bytes:
    """compiled.jsonl with the line of rule file `name` cut in half."""
    lines = raw.split(b"\n")
    number = 1 + sorted(rulepack.read_compiled(raw)["rules"]).index(name)
    lines[number] = lines[number][:len(lines[number]) // 2]
    return b"\n".join(lines)


@pytest.mark.parametrize("damage", ["cut", "garbled header", "not json", "one line cut"])
def test_a_damaged_compiled_pack_falls_back_to_the_rule_files(
        tmp_path: Path, parses: list[str], damage: str) -> None:
    root = _copy(tmp_path)
    path = root / rulepack.COMPILED
    raw = path.read_bytes()
    path.write_bytes({"cut": raw[:len(raw) // 2], "garbled header": b"[1, 2]\n" + raw,
                      "not json": b"\x00" * 64,
                      "one line cut": _cut_line(raw, "licenses/llama3.1.yaml")}[damage])
    pack = _uncached(root)
    reference = rulepack.load_rulepack().get("llama3.1")
    assert replace(pack.get("llama3.1"), origin="") == replace(reference, origin="")
    assert parses == ["rules"]
    assert pack.compiled("phrases") is None  # derived from the rules instead


def test_the_compiled_pack_reads_back_as_written() -> None:
    raw = (_resources.rules_dir() / rulepack.COMPILED).read_bytes()
    compiled = rulepack.read_compiled(raw)
    assert rulepack.write_compiled(compiled).encode() == raw
    assert len(compiled["rules"]) == len(list((_resources.rules_dir() / "licenses").glob("*.yaml")))
