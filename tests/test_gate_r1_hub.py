"""Gate holes on the Hub side of a scan (issue 12, #13), through `licscan scan --format json`
and the Hub test double: a gated repository whose license files cannot be read is not allowed
from its card metadata alone; with a token approved for it, the files are read and decide.
Card texts are our own; the license texts come from the reference corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import codes, context_file, expression, scan

TOKEN = "hf_R1gateTOKENr1gateTOKEN0123456789ab"
CARD = "---\nlicense: apache-2.0\n---\n# Model\n\nWeights for a model.\n"


def _gated(hub: HubDouble, corpus: Path) -> None:
    hub.add_model(RepoSpec("acme/gated", gated="manual", approved_tokens=(TOKEN,), files={
        "README.md": CARD, "LICENSE": (corpus / "cc-by-nc-4.0.txt").read_bytes()}))


def test_a_gated_repo_is_not_allowed_from_its_card_alone(tmp_path: Path, hub: HubDouble,
                                                         corpus: Path) -> None:
    _gated(hub, corpus)
    model = scan(tmp_path, "acme/gated", endpoint=hub.url).model()
    assert model["status"] == "ok"
    assert model["verdict"] == "review", model["findings"]
    (gated,) = [f for f in model["findings"] if f["code"] == "gated-repo"]
    assert gated["severity"] == "review"
    assert "LICENSE" in gated["message"] and "could not be checked" in gated["message"]
    assert "LICENSE" in {e.get("path") for e in gated["evidence"]}


def test_an_approved_token_reads_the_files_and_they_decide(tmp_path: Path, hub: HubDouble,
                                                           corpus: Path) -> None:
    _gated(hub, corpus)
    out = tmp_path / "report.json"
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN,
           "LICSCAN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("HF_HUB_DISABLE_IMPLICIT_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "licscan", "scan", "acme/gated", "--format", "json", "--no-config",
         "--context", str(context_file(tmp_path)), "-o", str(out)],
        capture_output=True, text=True, env=env, timeout=120)
    assert out.exists(), proc.stderr
    model = json.loads(out.read_text())["models"][0]
    assert "gated-repo" not in codes(model)
    assert model["verdict"] == "deny" and "CC-BY-NC-4.0" in expression(model), model
