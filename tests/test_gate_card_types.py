"""Card values that are not plain YAML types never crash an output (issue 12: "Card values
that are not plain YAML types"). `!!binary`, `!!timestamp`, `!!set`, `!!omap`, non-finite
numbers and non-string keys are turned into plain JSON values at the card-parsing boundary
and reported as `card-invalid`; every report format and the Action work for such a model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from licscan.cli import cli
from licscan.evidence.card import parse_card
from tests.test_gate_common import codes, context_file, write_tree

REPO = Path(__file__).resolve().parent.parent
CARDS = {
    "binary": "license: !!binary aGVsbG8=\n",
    "timestamp": "license: !!timestamp 2020-01-01T10:00:00Z\nupdated: !!timestamp 2021-02-03\n",
    "set": "license: mit\ntags: !!set {a, b}\n",
    "omap": "license: mit\nextra: !!omap [{a: 1}, {b: 2}]\n",
    "inf": "license: mit\nscore: .inf\nother: !!float .nan\n",
    "keys": "license: mit\n1: one\n? !!binary aGk=\n: two\n",
    "binary-list": "license: [mit, !!binary aGVsbG8=]\nbase_model: !!binary aGk=\n",
}
FORMATS = ["json", "html", "markdown", "sarif", "spdx-json", "text"]


def _is_plain(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_data_is_plain_json(name: str) -> None:
    card = parse_card(f"---\n{CARDS[name]}---\n# m\n")
    assert card.data is not None and _is_plain(card.data), card.data
    json.dumps(card.data, allow_nan=False)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_format_renders_such_a_model(tmp_path: Path, name: str) -> None:
    model = write_tree(tmp_path / name, {"README.md": f"---\n{CARDS[name]}---\n# m\n"})
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(cli, [
            "scan", str(model), "--format", fmt, "-o", str(out), "--no-config",
            "--context", str(context_file(tmp_path))],
            env={"LICSCAN_CACHE_DIR": str(tmp_path / "cache")}, catch_exceptions=False)
        assert result.exit_code in (0, 1), (fmt, result.output)
        assert out.stat().st_size > 0, fmt
        if fmt in ("json", "sarif", "spdx-json"):
            json.loads(out.read_text())
    report = json.loads((tmp_path / "report.json").read_text())
    (found,) = report["models"]
    assert found["status"] == "ok"
    assert found["verdict"] != "allow" or "card-invalid" not in codes(found)
    if name not in ("timestamp", "omap"):  # dates and ordered maps have a plain form
        assert "card-invalid" in codes(found)


def test_the_action_works_for_such_a_model(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write_tree(root, {"models/odd/README.md": f"---\n{CARDS['binary']}---\n# m\n",
                      "models/stamp/README.md": f"---\n{CARDS['timestamp']}---\n# m\n",
                      "models.yaml": "models:\n  - path: models/odd\n  - path: models/stamp\n",
                      "licscan.yaml": "policy:\n  deny: [non-commercial]\n"})
    (root / ".git").mkdir()
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    summary.write_text("")
    outputs.write_text("")
    env = dict(os.environ, PYTHONPATH=str(REPO), GITHUB_WORKSPACE=str(root),
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs),
               HF_ENDPOINT="http://127.0.0.1:9", HF_HUB_OFFLINE="1",
               LICSCAN_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "licscan.action"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "licscan" in summary.read_text()
    assert "models=2" in outputs.read_text()
