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
