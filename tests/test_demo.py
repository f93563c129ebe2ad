"""The README's first command: `licscan demo`, offline, reproducible, with lineage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "report.schema.json"


def run_demo(out: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", HF_ENDPOINT="http://127.0.0.1:9",
               HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "licscan", "demo", "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_demo_offline_reproducible_with_lineage(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    proc = run_demo(first)
    assert proc.returncode == 0, proc.stderr
    assert "models/acme-llama-support" in proc.stdout and "report written" in proc.stdout
    assert run_demo(second).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    report = json.loads(first.read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    models = {m["id"]: m for m in report["models"]}
    llama = models["models/acme-llama-support"]
    codes = {f["code"] for f in llama["findings"]}
    assert {"license-mismatch", "lineage-license-conflict", "lineage-naming",
            "dataset-license"} <= codes
    assert llama["lineage"]["parents"][0]["id"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert models["models/aya-research-nc"]["verdict"] == "deny"
    assert models["models/internal-classifier"]["verdict"] == "allow"
    assert report["context"]["use"] == "commercial"
    assert all(m["status"] == "ok" for m in report["models"])


def test_demo_html(tmp_path: Path) -> None:
    out = tmp_path / "demo.html"
    assert run_demo(out).returncode == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "acme-llama-support" in page


def test_the_demo_cache_is_private_whatever_the_checkout_umask(tmp_path: Path) -> None:
    """A checkout made under umask 002 (common on Linux) has group-writable folders; the
    demo's copy of its bundled cache must still be one the cache trusts (it refuses entries
    others can write), or the demo silently loses its lineage."""
    import shutil
    import stat

    from licscan import _resources
    from licscan.cli.scan import _demo_cache

    bundled = tmp_path / "hub-cache"
    shutil.copytree(_resources.examples_dir() / "hub-cache", bundled)
    for path in [bundled, *bundled.rglob("*")]:
        path.chmod(0o775 if path.is_dir() else 0o664)
    with _demo_cache(bundled) as cache:
        for path in [Path(cache), *Path(cache).rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, (path, oct(mode))
