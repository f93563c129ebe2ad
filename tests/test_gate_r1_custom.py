"""A custom license built on a known one, a license text licscan does not identify, and a
base model whose license could not be read (issue 12, #6): the conclusion is never the bare
base license. Their terms are ANDed in as LicenseRefs without terms, so the policy's `unknown`
setting decides and a rule allowing the base license (`allow: [permissive]`,
`{category: permissive}`, `allow: [Apache-2.0]`) cannot let the model through. All through
`licscan scan` with a configured policy; the card and license texts are our own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licscan.cli import cli
from tests.test_gate_common import codes, expression, write_tree

APACHE_CARD = "---\nlicense: apache-2.0\n---\n# Model\n\nWeights for a model.\n"
QUALIFIED = "Apache 2.0, except that the weights may serve non-commercial purposes only.\n"
UNKNOWN_TERMS = ("Terms for the weights\n\nYou may run these weights for personal study. "
                 "Any use in a product or a service offered for a fee is prohibited.\n")
ALLOWS = {
    "category": "  allow: [permissive]\n",
    "category-mapping": "  allow: [{category: permissive}]\n",
    "license": "  allow: [Apache-2.0, MIT]\n",
}


def _scan(tmp_path: Path, target: Path, allow: str, unknown: str = "review",
          fmt: str = "json") -> tuple[int, str]:
    config = tmp_path / "licscan.yaml"
    config.write_text(f"policy:\n  fail_on: review\n  unknown: {unknown}\n"
                      f"  deny: [non-commercial]\n{allow}")
    result = CliRunner().invoke(
        cli, ["scan", str(target), "--config", str(config), "--offline", "-f", fmt],
        env={"LICSCAN_CACHE_DIR": str(tmp_path / "cache")}, catch_exceptions=False,
        standalone_mode=False)  # the command returns the exit code (licscan.cli.main exits)
    return int(result.return_value), result.stdout


def _model(tmp_path: Path, target: Path, allow: str, unknown: str = "review",
           ) -> tuple[int, dict[str, Any]]:
    code, out = _scan(tmp_path, target, allow, unknown)
    return code, json.loads(out)["models"][0]


CASES: dict[str, tuple[dict[str, str | bytes], str, str]] = {
    "custom-file": ({"README.md": APACHE_CARD, "LICENSE": QUALIFIED}, "license-custom",
                    "LicenseRef-licscan-custom-"),
    "custom-readme": ({"README.md": APACHE_CARD + "\n## License\n\n" + QUALIFIED},
                      "license-custom", "LicenseRef-licscan-custom-"),
    "unidentified-file": ({"README.md": APACHE_CARD, "WEIGHTS_LICENSE.txt": UNKNOWN_TERMS},
                          "license-text-unidentified", "LicenseRef-licscan-unidentified-"),
}


@pytest.mark.parametrize("allow", sorted(ALLOWS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_an_allow_rule_on_the_base_license_does_not_pass_custom_terms(
        tmp_path: Path, case: str, allow: str) -> None:
    files, code, ref = CASES[case]
    target = write_tree(tmp_path / "m", files)
    for unknown in ("review", "deny"):
        status, model = _model(tmp_path, target, ALLOWS[allow], unknown)
        assert model["verdict"] == unknown, model
        assert status == 1  # fail_on: review
        expr = expression(model)
        assert expr.startswith("Apache-2.0 AND " + ref), expr
        assert model["flags"]["commercial_use"] == "unknown"
        assert code in codes(model)
        assert model["decided_by"] == "policy:unknown"


def test_the_custom_terms_reach_the_sboms(tmp_path: Path) -> None:
    target = write_tree(tmp_path / "m", {"README.md": APACHE_CARD, "LICENSE": QUALIFIED})
    _code, out = _scan(tmp_path, target, ALLOWS["category"], fmt="cyclonedx-json")
    bom = json.loads(out)
    concluded = [lic["expression"] for comp in bom["components"]
                 for lic in comp.get("licenses", []) if "expression" in lic]
    assert concluded and all("LicenseRef-licscan-custom-" in e for e in concluded), concluded
    _code, out = _scan(tmp_path, target, ALLOWS["category"], fmt="spdx-json")
    packages = json.loads(out)["packages"]
    assert any("LicenseRef-licscan-custom-" in p.get("licenseConcluded", "") for p in packages)
    assert all(p.get("licenseConcluded") != "Apache-2.0" for p in packages)


def test_the_same_custom_text_gets_the_same_ref(tmp_path: Path) -> None:
    one = write_tree(tmp_path / "one", {"README.md": APACHE_CARD, "LICENSE": QUALIFIED})
    two = write_tree(tmp_path / "two", {"README.md": APACHE_CARD, "LICENSE": QUALIFIED})
    other = write_tree(tmp_path / "three", {"README.md": APACHE_CARD,
                                            "LICENSE": QUALIFIED.replace("only", "only!")})
    exprs = [expression(_model(tmp_path, t, ALLOWS["category"])[1]) for t in (one, two, other)]
    assert exprs[0] == exprs[1] != exprs[2]


def test_a_plain_apache_card_is_still_allowed(tmp_path: Path) -> None:
    target = write_tree(tmp_path / "m", {"README.md": APACHE_CARD})
    status, model = _model(tmp_path, target, ALLOWS["category"], "deny")
    assert (model["verdict"], status, expression(model)) == ("allow", 0, "Apache-2.0"), model


@pytest.mark.parametrize("allow", sorted(ALLOWS))
def test_an_unresolved_base_model_keeps_the_result_at_review(tmp_path: Path,
                                                              allow: str) -> None:
    card = "---\nlicense: mit\nbase_model: acme/never-scanned\n---\n# Model\n"
    target = write_tree(tmp_path / "m", {"README.md": card})
    for unknown in ("review", "deny"):
        status, model = _model(tmp_path, target, ALLOWS[allow], unknown)
        assert model["verdict"] == unknown, model
        assert status == 1  # fail_on: review
        assert "lineage-unresolved" in codes(model)
        assert expression(model) == "MIT AND LicenseRef-licscan-unresolved-base-acme-never-scanned"
