"""Through the CLI: a license text that differs from the license concluded is a gate floor.

A LICENSE holding the MIT text with "for non-commercial purposes only" written into its grant
is concluded a modified MIT; an allow rule for MIT must not lower the license-text-modified
finding (issue 11), and the finding says that the copy adds a restriction, quoting it. A
commercial restriction worded as an intended-use disclaimer next to a reference is a custom
license, not the plain license. The MIT text is read from the corpus and edited here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from licscan.cli import main
from tests.test_identify import read

HEAD = "---\nlicense: {}\n---\n# A model\n"
POLICY = ("context:\n  use: commercial\npolicy:\n  allow: [MIT, Apache-2.0]\n"
          "  deny: [non-commercial]\n")


def _scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], card: str, license_text: str,
          *args: str) -> tuple[int, dict[str, Any]]:
    model = tmp_path / "m"
    model.mkdir()
    (model / "README.md").write_text(HEAD.format(card), encoding="utf-8")
    (model / "LICENSE").write_text(license_text, encoding="utf-8")
    config = tmp_path / "licscan.yaml"
    config.write_text(POLICY, encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(model), "--config", str(config), "-f", "json", *args])
    code = exc.value.code
    [result] = json.loads(capsys.readouterr().out)["models"]
    return int(code or 0), result


def _noncommercial_mit() -> str:
    mit = "MIT License\n\nCopyright (c) 2024 Acme\n\n" + read("mit.txt")
    assert "without restriction, including" in mit
    return mit.replace("without restriction, including",
                       "for non-commercial purposes only, including")


def test_a_modified_mit_is_not_allowed_by_an_mit_rule(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, model = _scan(tmp_path, capsys, "mit", _noncommercial_mit(), "--fail-on", "review")
    assert model["verdict"] == "review", model["verdict"]
    assert code != 0
    [modified] = [f for f in model["findings"] if f["code"] == "license-text-modified"]
    assert "adds a restriction" in modified["message"]
    assert "noncommercial purposes only" in modified["message"]


def test_an_unmodified_mit_is_still_allowed(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = "MIT License\n\nCopyright (c) 2024 Acme\n\n" + read("mit.txt")
    code, model = _scan(tmp_path, capsys, "mit", text, "--fail-on", "review")
    assert (code, model["verdict"]) == (0, "allow")


def _scan_with(tmp_path: Path, capsys: pytest.CaptureFixture[str],
               policy: str) -> dict[str, Any]:
    model = tmp_path / "m"
    model.mkdir(exist_ok=True)
    (model / "README.md").write_text(HEAD.format("mit"), encoding="utf-8")
    (model / "LICENSE").write_text(_noncommercial_mit(), encoding="utf-8")
    config = tmp_path / "licscan.yaml"
    config.write_text(policy, encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["scan", str(model), "--config", str(config), "-f", "json"])
    [result] = json.loads(capsys.readouterr().out)["models"]
    return dict(result)


def test_a_finding_rule_naming_the_code_can_still_lower_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The floor is against license rules; the user who names the finding has seen it. The
    modified text is also a license of its own (issue 11: `MIT AND LicenseRef-licscan-custom-
    <sha256 of the file>`), so the reviewer allows that text by its id: an edit of the text
    changes the id and is reviewed again."""
    result = _scan_with(tmp_path, capsys,
                        "policy:\n  allow: [MIT, {finding: license-text-modified}]\n")
    assert result["verdict"] == "review", result["verdict_reason"]
    [ref] = [p for p in result["license"]["expression"].split(" AND ")
             if p.startswith("LicenseRef-licscan-custom-")]
    result = _scan_with(tmp_path, capsys, "policy:\n  allow: [MIT, " + ref
                        + ", {finding: license-text-modified}]\n")
    assert result["verdict"] == "allow", result["verdict_reason"]


@pytest.mark.parametrize("sentence", [
    "This model is not intended for use in products or services.",
    "The weights are not intended for monetization.",
    "It is not intended for uses that generate income.",
    "It is not intended for any use beyond the scientific study of language models.",
])
def test_a_commercial_disclaimer_next_to_a_reference_is_not_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], sentence: str) -> None:
    text = "This model is released under the Apache License 2.0. " + sentence + "\n"
    code, model = _scan(tmp_path, capsys, "apache-2.0", text, "--fail-on", "review")
    assert model["verdict"] != "allow" and code != 0, model["license"]
    assert "LicenseRef-licscan-custom" in model["license"]["expression"]


def test_a_genuine_disclaimer_next_to_a_reference_is_still_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ("This model is released under the Apache License 2.0. This model was not designed "
            "or tested for use in healthcare applications.\n")
    code, model = _scan(tmp_path, capsys, "apache-2.0", text, "--fail-on", "review")
    assert (code, model["verdict"], model["license"]["expression"]) == (0, "allow",
                                                                         "Apache-2.0")
