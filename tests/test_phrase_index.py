"""The phrase index that identification reads from rules/compiled.jsonl is the one the rules
give; it is used only for the built-in pack alone and only when made by this normalizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan import _resources, rulepack
from licscan.identify import reference
from licscan.identify.normalize import NORMALIZER_VERSION


def _fresh(*dirs: Path) -> rulepack.RulePack:
    return rulepack._load_cached.__wrapped__(tuple(str(d) for d in dirs))


def test_the_compiled_index_is_the_one_the_rules_give() -> None:
    pack = _fresh(_resources.rules_dir())
    compiled = pack.compiled(reference.PHRASES)
    assert compiled["normalizer"] == NORMALIZER_VERSION
    decoded = reference._decoded(compiled)
    built = reference._build(pack.rules.values())
    assert decoded == built
    assert len(built.phrases) > 500 and built.version_lines


def test_an_index_made_by_another_normalizer_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _fresh(_resources.rules_dir())
    stale = dict(pack.compiled(reference.PHRASES), normalizer=NORMALIZER_VERSION - 1)
    assert reference._decoded(stale) is None
    built: list[int] = []
    real = reference._build

    def counted(rules: object) -> reference.PhraseIndex:
        built.append(1)
        return real(rules)  # type: ignore[arg-type]

    monkeypatch.setattr(reference, "_build", counted)
    monkeypatch.setattr(rulepack.RulePack, "compiled", lambda self, name: stale)
    monkeypatch.setattr(reference, "_CACHE", {})
    assert reference.phrase_index(pack) == real(pack.rules.values())
    assert built == [1]


def test_a_layered_pack_builds_its_index_from_its_rules(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    (user / "licenses").mkdir(parents=True)
    (user / "licenses" / "acme.yaml").write_text(
        "id: acme\nname: Acme Model License\nexpression_id: LicenseRef-acme\nkind: license\n"
        "category: commercial\ntitles: [Acme Model License Agreement]\n"
        "flags: {commercial_use: unknown, modification: unknown, distribution: unknown}\n",
        encoding="utf-8")
    pack = _fresh(_resources.rules_dir(), user)
    assert pack.compiled(reference.PHRASES) is None
    index = reference.phrase_index(pack)
    assert index.titles[("acme", "model", "license", "agreement")] == {"acme"}
