"""A README read only in part (issue 12, #11): over the size cap, or with a license section
longer than what is read of a section, gives a `scan-incomplete` review finding, never a
silent allow. Through `licscan scan --format json`; the README texts are our own."""

from __future__ import annotations

from pathlib import Path

from tests.test_gate_common import CARD_APACHE, scan, write_tree

FILLER = "The weights are shared with the community and we thank our contributors.\n"


def _cut(tmp_path: Path, readme: str) -> list[dict[str, object]]:
    model = scan(tmp_path, str(write_tree(tmp_path / "m", {"README.md": readme}))).model()
    assert model["verdict"] == "review", model["findings"]
    return [f for f in model["findings"] if f["code"] == "scan-incomplete"]


def test_a_readme_over_the_cap_is_reported(tmp_path: Path) -> None:
    (finding,) = _cut(tmp_path, CARD_APACHE + FILLER * 20000 + "\n## License\n\nSee above.\n")
    assert finding["severity"] == "review" and "README.md" in str(finding["message"])


def test_a_license_section_longer_than_is_read_is_reported(tmp_path: Path) -> None:
    (finding,) = _cut(tmp_path, CARD_APACHE + "\n## License\n\n" + FILLER * 1000)
    assert "'License'" in str(finding["message"])


def test_a_short_readme_has_no_such_finding(tmp_path: Path) -> None:
    readme = CARD_APACHE + "\n## License\n\nApache 2.0.\n"
    model = scan(tmp_path, str(write_tree(tmp_path / "m", {"README.md": readme}))).model()
    assert "scan-incomplete" not in {f["code"] for f in model["findings"]}
