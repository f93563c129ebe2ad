"""A user's rule pack through the real CLI: a rule that claims anything a built-in rule claims
(its id, expression id, Hub id, license name, URL, title, reference name) or a row of the
built-in SPDX table is a named override, refused when overrides are forbidden; and a
compiled.jsonl in a user's folder never stands in for the rule files it claims to come from
(docs/terms.md, "Your own rules")."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from licscan.rulecheck import compilation
from licscan.rulepack import COMPILED, write_compiled
from tests.test_lockfile import licscan, local_project

# A permissive rule of the user's: it claims nothing of the built-in pack until a test adds a
# claim (`extra`).
OURS = """\
id: {id}
name: Our Permissive Model License
expression_id: LicenseRef-ours
kind: license
category: permissive
flags: {{attribution: true, share_alike: false}}
terms:
  commercial_use: {{value: allowed, cite: {{clause: "1", confidence: P}}}}
  modification: {{value: allowed, cite: {{clause: "1", confidence: P}}}}
  distribution: {{value: allowed, cite: {{clause: "1", confidence: P}}}}
sources:
  - {{ref: our legal team, confidence: P}}
{extra}
"""


def _project(tmp_path: Path, rule_id: str, extra: str, card: str = "cc-by-nc-4.0") -> Path:
    root = local_project(tmp_path / "repo", {"m": card})
    (root / "ours" / "licenses").mkdir(parents=True)
    (root / "ours" / "pack.yaml").write_text('name: ours\nversion: "1"\n')
    (root / "ours" / "licenses" / f"{rule_id}.yaml").write_text(
        OURS.format(id=rule_id, extra=extra))
    config = root / "licscan.yaml"
    config.write_text(config.read_text() + "rules: ours\n")
    return root


def _verdict(done: subprocess.CompletedProcess[str]) -> str:
    [model] = json.loads(done.stdout)["models"]
    return str(model["verdict"])


# What cc-by-nc-4.0.yaml claims besides its id (rules/licenses/cc-by-nc-4.0.yaml).
CLAIMS = [
    ("hub_ids: [cc-by-nc-4.0]", "hub id 'cc-by-nc-4.0'"),
    ("urls: [creativecommons.org/licenses/by-nc/4.0]",
     "url 'creativecommons.org/licenses/by-nc/4.0'"),
    ("titles: [Attribution-NonCommercial 4.0 International]",
     "title 'Attribution-NonCommercial 4.0 International'"),
    ("references: [CC BY-NC 4.0]", "reference 'CC BY-NC 4.0'"),
]


@pytest.mark.parametrize(("extra", "named"), CLAIMS, ids=[c[0].split(":")[0] for c in CLAIMS])
def test_a_new_rule_claiming_a_built_in_name_is_a_forbidden_override(
        tmp_path: Path, extra: str, named: str) -> None:
    root = _project(tmp_path, "aaa-ours", extra)
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"ours/licenses/aaa-ours.yaml redefines the built-in rule 'cc-by-nc-4.0' ({named})" \
        in done.stderr
    done = licscan(root, "scan", "-f", "json", "models/m",
                   env={"HF_HUB_OFFLINE": "1", "LICSCAN_NO_RULE_OVERRIDES": "1"})
    assert done.returncode == 2 and "rule overrides are forbidden here" in done.stderr


@pytest.mark.parametrize("rule_id", ["aaa-ours", "zzz-ours"])
def test_a_hub_id_override_wins_by_being_named_not_by_sort_order(tmp_path: Path,
                                                                 rule_id: str) -> None:
    root = _project(tmp_path, rule_id, "hub_ids: [cc-by-nc-4.0]")
    done = licscan(root, "scan", "-f", "json", "models/m")
    assert f"ours/licenses/{rule_id}.yaml redefines the built-in rule 'cc-by-nc-4.0' " \
           "(hub id 'cc-by-nc-4.0')" in done.stderr
    # the user's rule answers for the Hub id whether its id sorts before or after the built-in
    # one: the override is the user's declared intent, and it is reported above
    assert _verdict(done) == "allow", done.stderr


def test_a_rule_claiming_nothing_built_in_is_no_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "hub_ids: [ours]\nlicense_names: [ours]",
                    card="other\nlicense_name: ours")
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 0, done.stderr
    assert "redefines" not in done.stderr and _verdict(done) == "allow"


def test_a_user_table_row_for_a_built_in_spdx_id_is_an_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "")
    (root / "ours" / "spdx-licenses.tsv").write_text(
        "3D-Slicer-1.0\tOur name\tpermissive\tPermissive\tno\nLicenseRef-x\tX\tpermissive"
        "\tPermissive\tno\n")
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 2
    assert "redefines the built-in SPDX table row '3d-slicer-1.0'" in done.stderr
    assert "licenseref-x" not in done.stderr


# --- compiled.jsonl in a user's folder ---------------------------------------------------------

NC = """\
id: acme-nc
name: ACME Non-Commercial Model License
expression_id: LicenseRef-acme-nc
kind: license
hub_ids: [acme-nc]
category: non-commercial
flags: {attribution: true, share_alike: false}
terms:
  commercial_use: {value: prohibited, cite: {clause: "1", confidence: P}}
  modification: {value: allowed, cite: {clause: "1", confidence: P}}
  distribution: {value: allowed, cite: {clause: "1", confidence: P}}
sources:
  - {ref: our legal team, confidence: P}
"""


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    root = local_project(tmp_path / "repo", {"m": "other\nlicense_name: acme-nc"})
    (root / "ours" / "licenses").mkdir(parents=True)
    (root / "ours" / "pack.yaml").write_text('name: ours\nversion: "1"\n')
    (root / "ours" / "licenses" / "acme-nc.yaml").write_text(NC)
    config = root / "licscan.yaml"
    config.write_text(config.read_text() + "rules: ours\n")
    return root


def _scan(root: Path) -> tuple[str, dict[str, str]]:
    done = licscan(root, "scan", "-f", "json", "models/m")
    report = json.loads(done.stdout)
    return str(report["models"][0]["verdict"]), report["rulepack"]


def test_a_compiled_json_in_a_user_folder_does_not_replace_the_yaml(acme: Path) -> None:
    verdict, stamp = _scan(acme)
    assert verdict == "deny"
    compiled = compilation(acme / "ours")  # the hash of the unchanged YAML files
    rule = compiled["rules"]["licenses/acme-nc.yaml"]
    rule["flags"]["commercial_use"] = "allowed"
    rule["category"] = "permissive"
    rule["terms"]["commercial_use"]["value"] = "allowed"
    (acme / "ours" / COMPILED).write_text(write_compiled(compiled))
    assert _scan(acme) == ("deny", stamp)  # what was applied is the YAML, and so is the stamp
    done = licscan(acme, "rules", "validate", "ours")
    assert done.returncode != 0
    assert "ours/compiled.jsonl: does not match the rule files" in done.stderr


def test_a_current_compiled_json_in_a_user_folder_validates(acme: Path) -> None:
    (acme / "ours" / COMPILED).write_text(write_compiled(compilation(acme / "ours")))
    done = licscan(acme, "rules", "validate", "ours")
    assert done.returncode == 0, done.stderr
    assert _scan(acme)[0] == "deny"


def test_a_stale_compiled_json_fails_validation(acme: Path) -> None:
    (acme / "ours" / COMPILED).write_text(write_compiled(compilation(acme / "ours")))
    rule = acme / "ours" / "licenses" / "acme-nc.yaml"
    rule.write_text(rule.read_text().replace("ACME Non-Commercial", "ACME NC"))
    done = licscan(acme, "rules", "validate", "ours")
    assert done.returncode != 0 and "compiled.jsonl: does not match" in done.stderr


# --- reference texts of the user's --------------------------------------------------------------

OUR_TEXT = ("Our model terms. You may use, copy and share the model for any purpose, provided "
            "that you keep this notice with every copy. The model comes with no warranty of any "
            "kind, and we are not liable for any damage that its use causes.\n") * 3


def test_a_reference_text_for_a_built_in_rule_is_an_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "")
    (root / "ours-terms.txt").write_text(OUR_TEXT)
    done = licscan(root, "rules", "add-text", "ours-terms.txt", "--id", "mit", "--rules", "ours")
    assert done.returncode == 0, done.stderr
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode == 2
    assert "ours/fingerprints.json redefines the built-in rule 'mit' (reference text " \
           "'mit/ours-terms.txt')" in done.stderr


def test_a_reference_text_for_the_users_own_rule_is_no_override(tmp_path: Path) -> None:
    root = _project(tmp_path, "ours", "")
    (root / "ours-terms.txt").write_text(OUR_TEXT)
    done = licscan(root, "rules", "add-text", "ours-terms.txt", "--id", "ours", "--rules", "ours")
    assert done.returncode == 0, done.stderr
    done = licscan(root, "scan", "--no-rule-overrides", "-f", "json", "models/m")
    assert done.returncode in (0, 1) and "redefines" not in done.stderr, done.stderr
