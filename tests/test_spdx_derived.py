"""The derived layer: every SPDX id without a hand-written rule gets a rule whose flags are its
category's defaults, marked derived; a hand-written rule always wins."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from licscan.errors import RulePackError
from licscan.rulecheck import validate_rule
from licscan.rulepack import (
    DERIVED_FLAGS,
    DERIVED_TABLE,
    RulePack,
    derived_rule_data,
    load_rulepack,
)
from licscan.terms.plain import explain_rule
from licscan.terms.typed import terms_of, to_plain
from tests.conftest import corpus_dir

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"


def _spdx_index() -> list[dict[str, str]]:
    with (corpus_dir() / "spdx" / "INDEX.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_spdx_rules",
                                                  REPO / "scripts" / "gen_spdx_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_is_generated_from_the_spdx_index() -> None:
    index = corpus_dir() / "spdx" / "INDEX.tsv"
    assert (RULES / DERIVED_TABLE).read_text(encoding="utf-8") == _generator().render(index), \
        "rules/spdx-licenses.tsv is stale: run scripts/gen_spdx_rules.py"


def test_every_spdx_id_resolves_by_expression_id(pack: RulePack) -> None:
    rows = _spdx_index()
    assert len(rows) == 719
    for row in rows:
        rule = pack.by_expression_id.get(row["spdx_id"].lower())
        assert rule is not None, row["spdx_id"]
        assert rule.expression_id.lower() == row["spdx_id"].lower()
        assert row["spdx_id"].lower() in pack.by_expression_id


def test_hand_written_rules_win_and_the_rest_are_derived(pack: RulePack) -> None:
    hand = derived = 0
    for row in _spdx_index():
        key = row["spdx_id"].lower()
        rule = pack.by_expression_id[key]
        if any(r.expression_id.lower() == key for r in pack.rules.values()):
            assert not rule.derived and rule.id in pack.rules, key
            assert key not in pack.derived
            hand += 1
        else:
            assert rule.derived and rule.id == key and pack.get(key) is rule, key
            assert rule.name == row["name"] and rule.spdx_listed is True
            derived += 1
    # the Hub's ids have hand-written rules (issue 11); the derived layer covers the rest
    for key in ("mit", "apache-2.0", "cc-by-nd-4.0", "ecl-2.0", "isc", "zlib", "unlicense",
                "bsl-1.0", "eupl-1.2", "osl-3.0", "afl-3.0", "lppl-1.3c", "ofl-1.1"):
        assert not pack.by_expression_id[key].derived, key
    assert hand >= 50 and derived == len(pack.derived) and hand + derived == 719


def test_no_hand_written_rule_is_marked_derived(pack: RulePack) -> None:
    assert not [r.id for r in pack.rules.values() if r.derived]


@pytest.mark.parametrize(("spdx_id", "category", "commercial", "modification", "share_alike"), [
    ("0BSD", "permissive", "allowed", "allowed", False),
    ("X11", "permissive", "allowed", "allowed", False),
    ("GPL-3.0-or-later", "copyleft", "allowed", "conditional", True),
    ("AGPL-3.0-or-later", "copyleft", "allowed", "conditional", True),
    ("MPL-1.1", "weak-copyleft", "allowed", "conditional", True),
    ("NIST-PD", "public-domain", "allowed", "allowed", False),
    ("SSPL-1.0", "source-available", "unknown", "unknown", False),
    ("BUSL-1.1", "source-available", "unknown", "unknown", False),
    ("PolyForm-Noncommercial-1.0.0", "source-available", "unknown", "unknown", False),
])
def test_flags_follow_the_category(pack: RulePack, spdx_id: str, category: str, commercial: str,
                                   modification: str, share_alike: bool) -> None:
    rule = pack.by_expression_id[spdx_id.lower()]
    assert rule.derived and rule.category == category
    assert rule.flags.commercial_use == commercial
    assert rule.flags.modification == modification
    assert rule.flags.share_alike is share_alike
    assert rule.flags.attribution is (category != "public-domain")


def test_restricted_categories_are_never_allowed_without_review() -> None:
    for category in ("source-available", "proprietary-free", "free-restricted", "commercial",
                     "non-commercial", "unknown"):
        assert DERIVED_FLAGS[category]["commercial_use"] in ("unknown", "prohibited"), category
    assert DERIVED_FLAGS["non-commercial"]["commercial_use"] == "prohibited"
    for category in ("permissive", "public-domain", "copyleft", "weak-copyleft"):
        assert DERIVED_FLAGS[category]["commercial_use"] == "allowed", category


def test_every_derived_rule_validates_against_the_schema(pack: RulePack) -> None:
    problems: list[str] = []
    lines = (RULES / DERIVED_TABLE).read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) == 719
    for spdx_id, name, category, source_category, exception in rows:
        data = derived_rule_data(spdx_id, name, category, source_category, exception == "yes")
        problems += validate_rule(data, spdx_id)
        assert data["derived"] is True and data["sources"][0]["confidence"] == "S"
    assert problems == []
    for key in pack.derived:
        assert pack.derived[key].derived


def test_terms_and_rules_show_mark_a_derived_rule(pack: RulePack) -> None:
    rule = pack.by_expression_id["sspl-1.0"]
    terms = terms_of(rule)
    assert terms.derived_from_category == "source-available" and terms.derived_from_flags
    assert terms.commercial_use.value == "unknown" and terms.commercial_use.cite.confidence == "?"
    plain = to_plain(terms)
    assert plain["derived_from_category"] == "source-available"
    text = explain_rule(rule, pack)
    assert "Derived rule" in text and "not facts read from the license text" in text
    assert "defaults of its SPDX category 'source-available', unverified" in text
    assert "[unverified: from its SPDX category 'source-available']" in text
    assert "derived from the rule's flags" not in text  # the category, not the pack, says it
    hand = pack.by_expression_id["mit"]
    assert terms_of(hand).derived_from_category is None
    assert "derived_from_category" not in to_plain(terms_of(hand))


def test_exceptions_say_so(pack: RulePack) -> None:
    rule = pack.by_expression_id["classpath-exception-2.0"]
    assert rule.derived and "license exception (used after WITH)" in rule.notes


def _user_pack(tmp_path: Path, table: str, rules: dict[str, str] | None = None) -> Path:
    root = tmp_path / "userpack"
    (root / "licenses").mkdir(parents=True)
    (root / "pack.yaml").write_text("name: acme\nversion: '1'\n")
    (root / DERIVED_TABLE).write_text(table, encoding="utf-8")
    for name, text in (rules or {}).items():
        (root / "licenses" / f"{name}.yaml").write_text(text)
    return root


def test_a_users_table_adds_categories_and_a_users_rule_wins(tmp_path: Path) -> None:
    shutil.copy(RULES / "licenses" / "mit.yaml", tmp_path / "mit.yaml")
    own_rule = (
        "id: acme-0bsd\nname: Acme reading of 0BSD\nexpression_id: 0BSD\nkind: license\n"
        "category: permissive\nflags: {commercial_use: allowed, modification: allowed, "
        "distribution: allowed, attribution: false, share_alike: false, "
        "acceptable_use_policy: false}\nsources: [{ref: acme legal, confidence: P}]\n")
    root = _user_pack(tmp_path, "# comment\nAcme-NC-1.0\tAcme Noncommercial\tnon-commercial\t"
                                "Non-Commercial\tno\n", {"acme-0bsd": own_rule})
    layered = load_rulepack([root])
    nc = layered.by_expression_id["acme-nc-1.0"]
    assert nc.derived and nc.flags.commercial_use == "prohibited"
    assert terms_of(nc).commercial_use.basis == "non_commercial"
    assert layered.by_expression_id["0bsd"].id == "acme-0bsd"
    assert "0bsd" not in layered.derived
    assert layered.by_expression_id["gpl-3.0-or-later"].derived  # the built-in table still
    assert layered.hash != load_rulepack().hash


def test_a_broken_table_is_a_clear_error(tmp_path: Path) -> None:
    root = _user_pack(tmp_path, "# spdx_id\tname\nAcme-1.0\tonly two\n")
    with pytest.raises(RulePackError, match="5 tab-separated columns") as caught:
        load_rulepack([root])  # on load, not in the middle of a scan
    assert caught.value.file == str(root / DERIVED_TABLE) and caught.value.line == 2
    (root / DERIVED_TABLE).write_bytes(b"Acme-1.0\t\xff\tpermissive\tPermissive\tno\n")
    with pytest.raises(RulePackError, match="not UTF-8"):
        load_rulepack([root])


def test_the_table_is_part_of_the_pack_hash() -> None:
    from licscan import rulepack

    assert RULES / DERIVED_TABLE in rulepack.pack_files(RULES)
