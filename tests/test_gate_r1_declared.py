"""What the card declares beside its `license` id (issue 12, #14): a `license_name` that names
another license than the id, or a second license in a `license:` list that no file shows,
applies too. Through `licscan scan --format json` with a commercial context, the default
policy and a policy allowing permissive licenses. Card texts are our own; the Apache text
comes from the reference corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licscan.cli import cli
from tests.test_gate_common import codes, expression, scan, write_tree

NAMES = {  # license_name -> what the conclusion must hold beside Apache-2.0
    "apache-2.0-non-commercial": "LicenseRef-licscan-custom-name-",
    "Apache 2.0 (research only)": "LicenseRef-licscan-custom-name-",
    "cc-by-nc-4.0": "CC-BY-NC-4.0",
}


def _card(name: str) -> str:
    return f"---\nlicense: apache-2.0\nlicense_name: {name}\n---\n# Model\n\nWeights.\n"


@pytest.mark.parametrize("with_text", [False, True])
@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_license_name_naming_another_license_is_not_the_id(
        tmp_path: Path, corpus: Path, name: str, with_text: bool) -> None:
    files: dict[str, str | bytes] = {"README.md": _card(name)}
    if with_text:
        files["LICENSE"] = (corpus / "apache-2.0.txt").read_bytes()
    model = scan(tmp_path, str(write_tree(tmp_path / "m", files))).model()
    assert model["verdict"] in ("review", "deny"), model["findings"]
    (finding,) = [f for f in model["findings"] if f["code"] == "license-name-mismatch"]
    assert finding["severity"] == "review"
    assert "'apache-2.0'" in finding["message"] and repr(name) in finding["message"]
    assert expression(model).startswith("Apache-2.0 AND " + NAMES[name]), expression(model)
    if NAMES[name].startswith("LicenseRef"):
        config = tmp_path / "licscan.yaml"
        config.write_text("policy:\n  unknown: deny\n  allow: [permissive]\n")
        result = CliRunner().invoke(cli, ["scan", str(tmp_path / "m"), "--config", str(config),
                                          "--offline", "-f", "json"], catch_exceptions=False)
        allowed: dict[str, Any] = json.loads(result.stdout)["models"][0]
        assert allowed["verdict"] == "deny", allowed["verdict_reason"]


@pytest.mark.parametrize("name", ["Apache License 2.0", "apache-2.0", "Apache License, "
                                  "Version 2.0", "Apache 2.0 License", "Apache"])
def test_a_license_name_that_names_the_id_changes_nothing(tmp_path: Path, name: str) -> None:
    model = scan(tmp_path, str(write_tree(tmp_path / "m", {"README.md": _card(name)}))).model()
    assert (model["verdict"], expression(model)) == ("allow", "Apache-2.0"), model["findings"]
    assert "license-name-mismatch" not in codes(model)


def test_a_listed_license_without_its_text_still_applies(tmp_path: Path, corpus: Path) -> None:
    files: dict[str, str | bytes] = {
        "README.md": "---\nlicense: [apache-2.0, cc-by-nc-4.0]\n---\n# Model\n",
        "LICENSE": (corpus / "apache-2.0.txt").read_bytes()}
    model = scan(tmp_path, str(write_tree(tmp_path / "m", files))).model()
    assert model["verdict"] == "deny", model["findings"]
    assert expression(model) == "Apache-2.0 AND CC-BY-NC-4.0"
    assert "license-mismatch" in codes(model)
