"""Terms outside the license text (issue 12, #5 and #12), through `licscan scan --format json`
with a commercial context and the default policy, locally and from the Hub double:

- a README license section or a NOTICE that names another license beside a full LICENSE
  text: both apply (`license-mismatch`), so an Apache LICENSE next to "the weights are released
  under CC BY-NC 4.0" is denied as it is without the LICENSE;
- a NOTICE or README section that restricts use without naming any license: a review finding
  quoting the passage, the file kept as evidence.
Card, README and NOTICE texts are our own; the Apache text comes from the reference corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import Run, codes, expression, scan, write_tree

CARD = "---\nlicense: apache-2.0\n---\n# Model\n\nWeights for a model.\n"
NC_SECTION = "\n## License\n\nThe model weights are released under CC BY-NC 4.0.\n"
NC_NOTICE = "Acme model weights\nCopyright 2026 Acme\n\nThe weights are licensed under " \
            "CC BY-NC 4.0.\n"


def _runs(tmp_path: Path, hub: HubDouble, files: dict[str, str | bytes]) -> list[Run]:
    hub.add_model(RepoSpec("acme/m", files=dict(files)))
    return [scan(tmp_path, str(write_tree(tmp_path / "m", files))),
            scan(tmp_path, "acme/m", endpoint=hub.url)]


@pytest.mark.parametrize("where", ["readme", "notice"])
@pytest.mark.parametrize("with_license", [True, False])
def test_a_license_named_beside_the_license_text_applies_too(
        tmp_path: Path, hub: HubDouble, corpus: Path, where: str, with_license: bool) -> None:
    files: dict[str, str | bytes] = \
        {"README.md": CARD + NC_SECTION} if where == "readme" else \
        {"README.md": CARD, "NOTICE": NC_NOTICE}
    if with_license:
        files["LICENSE"] = (corpus / "apache-2.0.txt").read_bytes()
    for run in _runs(tmp_path, hub, files):
        model = run.model()
        assert model["verdict"] == "deny", (model["verdict"], model["findings"])
        assert "CC-BY-NC-4.0" in expression(model) and "Apache-2.0" in expression(model)
        (mismatch, *_rest) = [f for f in model["findings"] if f["code"] == "license-mismatch"]
        assert "CC BY-NC" in mismatch["message"] or "Non Commercial" in mismatch["message"]
        paths = {e.get("path") for e in mismatch["evidence"]}
        assert ("README.md" if where == "readme" else "NOTICE") in paths


def test_a_reference_to_the_same_license_is_no_mismatch(tmp_path: Path, hub: HubDouble,
                                                        corpus: Path) -> None:
    files: dict[str, str | bytes] = {
        "README.md": CARD + "\n## License\n\nReleased under the Apache License 2.0.\n",
        "NOTICE": "Acme model\nCopyright 2026 Acme\n",
        "LICENSE": (corpus / "apache-2.0.txt").read_bytes()}
    for run in _runs(tmp_path, hub, files):
        model = run.model()
        assert (model["verdict"], expression(model)) == ("allow", "Apache-2.0"), model["findings"]
        assert "license-mismatch" not in codes(model)


RESTRICTING_NOTICES = {  # the text, the sentence that restricts
    "may-not": ("Copyright 2026 Acme.\nThese weights may not be used for commercial purposes.\n",
                "These weights may not be used for commercial purposes."),
    "research-only": ("Acme weights. For research use only. Write to us for other uses.\n",
                      "For research use only."),
    "cannot": ("Acme weights\nCopyright 2026 Acme\nYou cannot put these weights to work "
               "commercially.\n", "You cannot put these weights to work commercially."),
}


@pytest.mark.parametrize("name", ["NOTICE", "NOTICE.txt"])
@pytest.mark.parametrize("case", sorted(RESTRICTING_NOTICES))
def test_a_notice_that_restricts_use_is_not_allowed(tmp_path: Path, hub: HubDouble,
                                                    case: str, name: str) -> None:
    text, quoted = RESTRICTING_NOTICES[case]
    for run in _runs(tmp_path, hub, {"README.md": CARD, name: text}):
        model = run.model()
        assert model["verdict"] == "review", (model["verdict"], model["findings"])
        (finding,) = [f for f in model["findings"] if f["code"] == "notice-restricts-use"]
        assert finding["severity"] == "review"
        assert quoted in finding["message"], finding["message"]
        assert [e["path"] for e in finding["evidence"]] == [name]
        assert finding["evidence"][0]["sha256"]
        assert expression(model).startswith("Apache-2.0 AND LicenseRef-licscan-unidentified-")
        assert any(e.get("path") == name for e in model["license"]["evidence"])


def test_a_plain_notice_stops_nothing(tmp_path: Path, hub: HubDouble) -> None:
    notice = "Acme weights\nCopyright 2026 Acme\nThis product includes software developed " \
             "at Acme. Commercial use is welcome.\n"
    for run in _runs(tmp_path, hub, {"README.md": CARD, "NOTICE": notice}):
        model = run.model()
        assert (model["verdict"], expression(model)) == ("allow", "Apache-2.0"), model["findings"]


RESTRICTING_READMES = {
    "usage-restrictions": "\n## Usage restrictions\n\nNever use this model commercially.\n",
    "no-section": "\nResearch use only. Write to us for other uses.\n",
    "prose": "\n## Notes\n\nPlease do not deploy the weights commercially.\n",
}


@pytest.mark.parametrize("case", sorted(RESTRICTING_READMES))
def test_a_readme_that_restricts_use_is_reviewed(tmp_path: Path, hub: HubDouble,
                                                 case: str) -> None:
    body = RESTRICTING_READMES[case]
    for run in _runs(tmp_path, hub, {"README.md": CARD + body}):
        model = run.model()
        assert model["verdict"] == "review", (model["verdict"], model["findings"])
        (finding,) = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
        quote = [e for e in finding["evidence"] if e["kind"] == "readme-text"]
        assert quote and quote[0]["value"] in " ".join(body.split())
        assert quote[0]["line"] > 5
