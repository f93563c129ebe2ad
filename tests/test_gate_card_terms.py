"""Restrictions outside the license file (issue 12): a card whose `license:` says apache-2.0
but whose README license, terms or usage sections say non-commercial or research only, or
whose `license_link` points at a CC BY-NC page, is never allowed; a custom license built on
Apache ("a modified version of the Apache 2.0 license ... use-based restrictions") is never
concluded as Apache-2.0. All through `licscan scan --format json`, locally and via the Hub
double, with a commercial context and the default policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from licscan.conclude import conclude
from licscan.identify.result import UNKNOWN, Qualifier, TextIdentification
from licscan.model import FileBlob, ModelRef, Snapshot
from licscan.rulepack import RulePack
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import codes, expression, scan, write_tree

RESTRICTING = {
    "license-section": "## License\n\nApache 2.0, but the weights are for non-commercial "
                       "research only.\n",
    "terms-of-use": "## Terms of Use\n\nUse of the weights is limited to research purposes "
                    "only. Contact us for other uses.\n",
    "usage-restrictions": "## Usage\n\n```python\nmodel = load()\n```\n\n### Restrictions\n\n"
                          "The model must not be used for commercial purposes.\n",
    "academic": "## Licensing\n\nThis checkpoint is provided for academic use only.\n",
}


def _card(front: str, body: str) -> str:
    return f"---\n{front}---\n# Model\n\nA model.\n\n{body}"


def _model(tmp_path: Path, readme: str, **files: str | bytes) -> str:
    return str(write_tree(tmp_path / "m", {"README.md": readme, **files}))


@pytest.mark.parametrize("case", sorted(RESTRICTING))
def test_restricting_sections_are_not_allowed(tmp_path: Path, hub: HubDouble, corpus: Path,
                                              case: str) -> None:
    readme = _card("license: apache-2.0\n", RESTRICTING[case])
    apache = (corpus / "apache-2.0.txt").read_bytes()
    hub.add_model(RepoSpec("acme/m", files={"README.md": readme, "LICENSE": apache}))
    for run in (scan(tmp_path, _model(tmp_path, readme, LICENSE=apache)),
                scan(tmp_path, "acme/m", endpoint=hub.url)):
        model = run.model()
        assert model["verdict"] == "review", (case, model["verdict"], model["findings"])
        (finding,) = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
        assert finding["severity"] == "review"
        quoted = [e for e in finding["evidence"] if e["kind"] == "readme-text"]
        assert quoted and quoted[0]["path"] == "README.md" and quoted[0]["line"] > 1
        assert quoted[0]["value"] in " ".join(RESTRICTING[case].split())


def test_a_named_nc_license_in_the_terms_section_is_denied(tmp_path: Path) -> None:
    readme = _card("license: apache-2.0\n",
                   "## Terms of Use\n\nThe weights are released under the CC BY-NC 4.0 "
                   "license.\n")
    model = scan(tmp_path, _model(tmp_path, readme)).model()
    assert model["verdict"] == "deny" and "CC-BY-NC-4.0" in expression(model)


@pytest.mark.parametrize("link", ["https://creativecommons.org/licenses/by-nc/4.0/",
                                  "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode",
                                  "http://www.creativecommons.org/licenses/by-nc-nd/4.0/deed.de"])
def test_a_license_link_to_an_nc_page_is_denied(tmp_path: Path, hub: HubDouble,
                                                link: str) -> None:
    readme = _card(f"license: apache-2.0\nlicense_link: {link}\n", "")
    hub.add_model(RepoSpec("acme/m", files={"README.md": readme}))
    for run in (scan(tmp_path, _model(tmp_path, readme)),
                scan(tmp_path, "acme/m", endpoint=hub.url)):
        model = run.model()
        assert model["verdict"] == "deny", model["findings"]
        assert "license-mismatch" in codes(model)


def test_a_license_link_to_an_unknown_nc_page_is_review(tmp_path: Path) -> None:
    readme = _card("license: apache-2.0\n"
                   "license_link: https://creativecommons.org/licenses/by-nc/1.5/\n", "")
    model = scan(tmp_path, _model(tmp_path, readme)).model()
    assert model["verdict"] == "review" and "license-link-restricted" in codes(model)


def test_plain_apache_cards_are_still_allowed(tmp_path: Path, corpus: Path) -> None:
    """The control: usage code, a permissive statement, a link to the Apache page."""
    readme = _card("license: apache-2.0\n"
                   "license_link: https://www.apache.org/licenses/LICENSE-2.0\n",
                   "## Usage\n\n```python\nmodel = load()\n```\n\n## License\n\n"
                   "Apache 2.0: commercial and non-commercial use are both permitted.\n")
    model = scan(tmp_path, _model(tmp_path, readme,
                                  LICENSE=(corpus / "apache-2.0.txt").read_bytes())).model()
    assert model["verdict"] == "allow", model["findings"]


CUSTOM = ("Model License\n\nThis model is licensed under a modified version of the Apache "
          "License, Version 2.0, with the following additional use-based restrictions: you "
          "may not use the model or its outputs for any commercial purpose, and you may not "
          "use it to provide a hosted service to third parties.\n")


def test_a_custom_license_on_apache_is_not_apache(tmp_path: Path, hub: HubDouble) -> None:
    readme = _card("license: other\n", "")
    hub.add_model(RepoSpec("acme/m", files={"README.md": readme, "LICENSE": CUSTOM}))
    for run in (scan(tmp_path, _model(tmp_path, readme, LICENSE=CUSTOM)),
                scan(tmp_path, "acme/m", endpoint=hub.url)):
        model = run.model()
        assert model["verdict"] != "allow", model
        assert "Apache-2.0" not in expression(model)
        assert "license-custom" in codes(model)
        (unresolved,) = [f for f in model["findings"] if f["code"] == "license-unresolved"]
        assert "custom license" in unresolved["message"]


# -- conclude, with identification's answer given ------------------------------------------


def _custom_identification() -> TextIdentification:
    from licscan.identify.result import TextMatch

    apache = TextMatch("apache-2.0", "Apache-2.0", "Apache License 2.0", "2.0", "identified",
                       90, "reference", (1, 3))
    return TextIdentification(UNKNOWN, (apache,), qualifiers=(Qualifier(
        "apache-2.0", "with the following additional use-based restrictions: you may not "
        "use the model or its outputs for any commercial purpose", 3,
        "adds restrictions: non-commercial"),))


@pytest.mark.parametrize("declared", ["other", "apache-2.0"])
def test_conclude_never_takes_the_base_of_a_custom_license(pack: RulePack,
                                                           declared: str) -> None:
    blob = FileBlob("LICENSE", len(CUSTOM), "0" * 64, CUSTOM.encode())
    snapshot = Snapshot(ModelRef("local", "m", path="m"), "local", None, {"license": declared},
                        "README.md", None, (blob,))

    def identify(_data: bytes, _pack: RulePack, _path: str) -> Any:
        return _custom_identification()

    def identify_text(_text: str, _pack: RulePack, _path: str) -> Any:
        return TextIdentification(UNKNOWN)

    result = conclude(snapshot, pack, identify, identify_text)
    (custom,) = [f for f in result.findings if f.code == "license-custom"]
    assert custom.severity == "review"
    assert "additional use-based restrictions" in custom.message
    assert custom.evidence[0].path == "LICENSE"
    if declared == "other":  # nothing but the custom text: no license is concluded
        assert result.license.expression is None
        assert "apache-2.0" not in result.license.rule_ids or result.license.status != "resolved"
    assert result.flags.commercial_use != "allowed" or any(
        f.severity != "info" for f in result.findings)
