"""License files under a weight-looking extension (issue 12, #15): a LICENSE, LICENCE,
COPYING or NOTICE stem wins over the extension (`LICENSE.MODEL`), locally and from the Hub
double; real weights stay out. Texts are our own, except the NC text from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.sources.files import is_license_file
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import CARD_APACHE, expression, scan, write_tree


@pytest.mark.parametrize("name", ["LICENSE.MODEL", "LICENSE.bin", "LICENCE-weights.model",
                                  "COPYING.pt"])
def test_a_license_stem_wins_over_the_extension(tmp_path: Path, hub: HubDouble, corpus: Path,
                                                name: str) -> None:
    files: dict[str, str | bytes] = {"README.md": CARD_APACHE,
                                     name: (corpus / "cc-by-nc-4.0.txt").read_bytes()}
    hub.add_model(RepoSpec("acme/m", files=dict(files)))
    for run in (scan(tmp_path, str(write_tree(tmp_path / "m", files))),
                scan(tmp_path, "acme/m", endpoint=hub.url)):
        model = run.model()
        assert model["verdict"] == "deny", (name, model["findings"])
        assert "CC-BY-NC-4.0" in expression(model)
        assert name in {e.get("path") for e in model["license"]["evidence"]}


def test_weights_and_code_stay_out() -> None:
    for name in ("model.safetensors", "pytorch_model.bin", "tokenizer.model", "license.py",
                 "weights/mylicense.bin"):
        assert not is_license_file(name), name
