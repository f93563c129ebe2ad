from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from licscan.rulecheck import validate_dir, validate_rule
from licscan.rulepack import RulePack, load_rulepack

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"


def test_every_rule_file_validates() -> None:
    assert validate_dir(RULES) == []


def test_schema_catches_mistakes() -> None:
    good = yaml.safe_load((RULES / "licenses" / "llama3.1.yaml").read_text())
    assert validate_rule(good, "llama3.1") == []
    bad = dict(good, flags=dict(good["flags"], commercial_use="sometimes"))
    assert validate_rule(bad, "x")
    drift = dict(good, flags=dict(good["flags"], commercial_use="allowed"))
    assert any("differs from terms" in p for p in validate_rule(drift, "x"))
    uncited = json.loads(json.dumps(good))
    del uncited["terms"]["commercial_use"]["cite"]
    assert validate_rule(uncited, "x")


def test_pack_loads_with_version_and_hash(pack: RulePack) -> None:
    assert pack.version and pack.hash.startswith("sha256:") and len(pack.hash) == 71
    assert len(pack.rules) > 100
    stamp = pack.stamp()
    assert set(stamp) == {"name", "version", "hash"}


def test_lock_matches_the_pack(pack: RulePack) -> None:
    lock = json.loads((RULES / "rules.lock").read_text())
    assert lock == {"version": pack.version, "hash": pack.hash}, \
        "rule files changed: bump rules/pack.yaml version and run scripts/lock_rules.py"


def test_scancode_refs_exist_in_license_expression_index(pack: RulePack) -> None:
    import license_expression

    known = {d["spdx_license_key"] for d in license_expression.get_license_index()}
    for rule in pack.rules.values():
        if rule.expression_id.startswith("LicenseRef-scancode-"):
            assert rule.expression_id in known, rule.id


def test_hub_ids_and_names_are_unique(pack: RulePack) -> None:
    seen: dict[str, str] = {}
    for rule in pack.rules.values():
        for key in (*rule.hub_ids, *(f"name:{n}" for n in rule.license_names)):
            assert key not in seen, f"{key} claimed by {seen.get(key)} and {rule.id}"
            seen[key] = rule.id


def test_user_pack_layers_over_builtin(tmp_path: Path) -> None:
    (tmp_path / "licenses").mkdir()
    (tmp_path / "pack.yaml").write_text("name: acme\nversion: '1'\n")
    (tmp_path / "licenses" / "acme-negotiated.yaml").write_text(yaml.safe_dump({
        "id": "acme-negotiated", "name": "Acme negotiated Llama license",
        "expression_id": "LicenseRef-acme-negotiated", "kind": "license",
        "category": "community", "license_names": ["acme-negotiated"],
        "flags": {"commercial_use": "allowed", "modification": "allowed",
                  "distribution": "prohibited", "attribution": False, "share_alike": False,
                  "acceptable_use_policy": False},
        "sources": [{"ref": "contract 2026-114", "confidence": "P"}]}))
    layered = load_rulepack([tmp_path])
    builtin = load_rulepack()
    assert "acme-negotiated" in layered.rules and "acme-negotiated" not in builtin.rules
    assert layered.hash != builtin.hash and layered.version.endswith("+1")
    assert validate_dir(tmp_path) == []


@pytest.mark.slow
def test_wheel_contains_rules_and_templates(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path),
                    str(REPO)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("licscan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "licscan/_data/rules/licenses/llama3.1.yaml" in names
    assert "licscan/_data/rules/pack.yaml" in names
    assert "licscan/_data/examples/models.yaml" in names
    assert "licscan/schemas/rule.schema.json" in names
    assert any(n.startswith("licscan/_data/templates/") for n in names)


def test_compiled_pack_is_current_and_equal_to_the_yaml() -> None:
    from licscan import rulepack

    compiled = rulepack.read_compiled((RULES / rulepack.COMPILED).read_bytes())
    compiled.pop("phrases")  # derived by identification (tests/test_rulepack_source.py)
    fresh = rulepack.compile_pack(RULES)
    assert compiled == json.loads(json.dumps(fresh)), \
        "rules/compiled.jsonl is stale: run scripts/lock_rules.py"


def test_stale_compiled_pack_is_not_used(tmp_path: Path) -> None:
    import shutil

    from licscan import rulepack

    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    rule = copy / "licenses" / "mit.yaml"
    rule.write_text(rule.read_text().replace("name: MIT License", "name: MIT License (edited)"))
    files = [(p, p.read_bytes()) for p in rulepack.pack_files(copy)
             if p.name != "fingerprints.json"]
    digest = rulepack.content_hash([(p.relative_to(copy).as_posix(), b)
                                    for p, b in [(q, q.read_bytes())
                                                 for q in rulepack.pack_files(copy)]])
    parsed, compiled = rulepack._parsed_rules(copy, files, digest, builtin=True)
    assert parsed["licenses/mit.yaml"]["name"] == "MIT License (edited)"
    assert compiled is None


# --- issue 11: every new corpus text has a rule; every SPDX id resolves -----------------------

# corpus file -> rule ids ("A AND B": the file holds both texts) -> who wrote the rule; the
# team's table of the texts added to ../shared/corpus for issue 11 (notes/new-rule-ids.tsv).
NEW_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ('yi-license-1.0.txt', ('yi-1.0',), 'B1'),
    ('yi-license-2.0.txt', ('yi-2.0',), 'B1'),
    ('chatglm-6b-license.txt', ('chatglm-6b',), 'B1'),
    ('chatglm2-6b-license.txt', ('chatglm2-6b',), 'B1'),
    ('chatglm3-6b-license.txt', ('chatglm3-6b',), 'B1'),
    ('codegeex-license.txt', ('codegeex',), 'B1'),
    ('codegeex4-license.txt', ('codegeex4',), 'B1'),
    ('cogvlm-license.txt', ('cogvlm',), 'B1'),
    ('cogvlm2-license.txt', ('cogvlm2',), 'B1'),
    ('cogvideox-license.txt', ('cogvideox',), 'B1'),
    ('glm-130b-license.txt', ('glm-130b',), 'B1'),
    ('visualglm-6b-license.txt', ('visualglm-6b',), 'B1'),
    ('characterglm-6b-license.txt', ('characterglm-6b',), 'B1'),
    ('aixcoder-model-license.txt', ('aixcoder',), 'B1'),
    ('yayi-model-license.txt', ('yayi',), 'B1'),
    ('tencent-hunyuan-dit-2024-05-14.txt', ('hunyuan-dit-2024-05-14',), 'B1'),
    ('tencent-hunyuan-video-2024-12-03.txt', ('hunyuan-video-2024-12-03',), 'B1'),
    ('tencent-hunyuan-large-2024-11-05.txt', ('hunyuan-large-2024-11-05',), 'B1'),
    ('tencent-hunyuan-a13b-2025-06-27.txt', ('hunyuan-a13b-2025-06-27',), 'B1'),
    ('tencent-hunyuan-3d-2.0-2025-01-21.txt', ('hunyuan-3d-2.0',), 'B1'),
    ('kolors-model-license-2024-07-06.txt', ('kolors-2024-07-06',), 'B1'),
    ('minimax-model-license-2025-01-15.txt', ('minimax-2025-01-15',), 'B1'),
    ('kimi-k2-modified-mit-2025.txt', ('kimi-modified-mit',), 'B1'),
    ('databricks-open-model-2024-03-27.txt', ('databricks-open-model',), 'B1'),
    ('qwen-research-2024-09-19.txt', ('qwen-research',), 'B1'),
    ('tongyi-qianwen-license-2023-08-23.txt', ('tongyi-qianwen-2023-08-23',), 'B1'),
    ('bilibili-model-ula-2025-09-09.txt', ('bilibili-model-ula-2025-09-09',), 'B1'),
    ('exaone-ai-model-1.1-nc.txt', ('exaone-1.1-nc',), 'B1'),
    ('hyperclova-x-seed-2025.txt', ('hyperclova-x-seed-2025',), 'B1'),
    ('openatom-model-1.0.txt', ('openatom-model-1.0',), 'B1'),
    ('gemma-tou-2024-02-21.txt', ('gemma-2024-02-21',), 'B2'),
    ('fair-noncommercial-research-2025-04-10.txt',
     ('fair-noncommercial-research-2025-04-10', 'fair-aup'), 'B2'),
    ('fair-noncommercial-research-2025-04-17.txt',
     ('fair-noncommercial-research-2025-04-17', 'fair-aup'), 'B2'),
    ('sam-license-2025-11-19.txt', ('sam-2025-11-19',), 'B2'),
    ('dinov3-license-2025-08-19.txt', ('dinov3-2025-08-19',), 'B2'),
    ('chameleon-aup.txt', ('chameleon-aup',), 'B2'),
    ('seamless-license.txt', ('seamless',), 'B2'),
    ('seamless-aup.txt', ('seamless-aup',), 'B2'),
    ('opt-175b-license.txt', ('opt-175b',), 'B2'),
    ('sdxl-0.9-research-license.txt', ('sdxl-0.9-research',), 'B2'),
    ('stable-video-diffusion-nc-2023-11-21.txt', ('stable-video-diffusion-nc-2023-11-21',), 'B2'),
    ('stability-ai-nc-community-2024-03-18.txt', ('stability-ai-nc-community-2024-03-18',), 'B2'),
    ('stability-ai-nc-research-2023-11-28.txt', ('stability-ai-nc-research-2023-11-28',), 'B2'),
    ('creativeml-openrail++-m-2023-07-26.txt', ('creativeml-openrail++-m-2023-07-26',), 'B2'),
    ('nvidia-open-model-2025-10-24.txt', ('nvidia-open-model-2025-10-24',), 'B2'),
    ('microsoft-research-license-terms.txt', ('microsoft-research-license-terms',), 'B2'),
    ('gpt-oss-usage-policy.txt', ('gpt-oss-usage-policy',), 'B2'),
    ('nvidia-source-code-license-stylegan3.txt', ('nvidia-source-code-license-nc',), 'B2'),
    ('deepfloyd-if-code-license.txt', ('deepfloyd-if-code',), 'B2'),
    ('fair-ai-public-1.0.txt', ('fair-ai-public-1.0',), 'B2'),
    ('fair-ai-public-1.0-sd.txt', ('fair-ai-public-1.0-sd',), 'B2'),
    ('ltxv-owl-2025-04-17.txt', ('ltxv-owl-2025-04-17',), 'B2'),
    ('ltxv-owl-2025-05-05.txt', ('ltxv-owl-2025-05-05',), 'B2'),
    ('open-aleph-1.0.txt', ('open-aleph-1.0',), 'B2'),
    ('open-weights-permissive-1.0.0.txt', ('open-weights-permissive-1.0.0',), 'B2'),
    ('playground-v2-community.txt', ('playground-v2-community',), 'B2'),
    ('soml-1.0.txt', ('soml-1.0',), 'B2'),
    ('responsible-ai-source-1.0.txt', ('responsible-ai-source-1.0',), 'B2'),
    ('responsible-ai-source-1.1.txt', ('responsible-ai-source-1.1',), 'B2'),
    ('salesforce-ai-aup-2025.txt', ('salesforce-ai-aup-2025',), 'B2'),
    ('salesforce-ai-ethics-2025.txt', ('salesforce-ai-ethics-2025',), 'B2'),
    ('nvidia-model-training-2025.txt', ('nvidia-model-training-2025',), 'B2'),
    ('mdl-2021.txt', ('mdl-2021',), 'B2'),
)


def new_rule_rows() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    return NEW_RULES


def test_every_new_corpus_text_has_a_rule(pack: RulePack) -> None:
    from tests.conftest import corpus_dir

    rows = new_rule_rows()
    assert len(rows) == 63
    missing = [(file, rid) for file, rids, _owner in rows for rid in rids
               if pack.get(rid) is None or pack.get(rid).derived]  # type: ignore[union-attr]
    assert missing == []
    for file, _rids, _owner in rows:
        assert (corpus_dir() / file).is_file(), file


def test_every_spdx_id_resolves_by_expression_id(pack: RulePack) -> None:
    import csv

    from tests.conftest import corpus_dir

    with (corpus_dir() / "spdx" / "INDEX.tsv").open(encoding="utf-8", newline="") as fh:
        ids = [row["spdx_id"] for row in csv.DictReader(fh, delimiter="\t")]
    assert len(ids) == 719
    unresolved = [i for i in ids if pack.by_expression_id.get(i.lower()) is None]
    assert unresolved == []
    derived = [pack.by_expression_id[i.lower()] for i in ids
               if pack.by_expression_id[i.lower()].derived]
    assert derived and all(r.id not in pack.rules for r in derived)
    # a derived rule is marked as such wherever it is shown
    from licscan.terms.plain import explain_rule
    from licscan.terms.typed import terms_of

    for rule in derived[:25]:
        assert rule.notes.startswith("Derived rule") and rule.sources[0]["confidence"] == "S"
        assert terms_of(rule).derived_from_category == rule.category
        assert "Derived rule" in explain_rule(rule, pack)


def test_versions_are_related(pack: RulePack) -> None:
    chains = {"fair-noncommercial-research-2025-04-17": "fair-noncommercial-research-2025-04-10",
              "fair-noncommercial-research-2025-04-10": "fair-noncommercial-research",
              "creativeml-openrail++-m-2023-07-26": "creativeml-openrail++-m",
              "stability-ai-nc-community-2024-03-18": "stability-ai-nc-research",
              "ltxv-owl-2025-05-05": "ltxv-owl-2025-04-17",
              "responsible-ai-source-1.1": "responsible-ai-source-1.0"}
    for new, old in chains.items():
        rule, previous = pack.get(new), pack.get(old)
        assert rule is not None and previous is not None
        assert rule.supersedes == old and rule.family == previous.family, new
        if rule.released and previous.released:
            assert rule.released > previous.released, new
