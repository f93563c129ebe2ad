"""The CycloneDX and SPDX 3 excerpts of the demo in docs/reports.md are what licscan writes: each
excerpt is matched against the real document, generated the way the page says, so the page
cannot drift from the code. An excerpt may leave things out (keys, list items); what it shows
must be there. Rule pack versions are compared as a placeholder (the page is not rewritten at
every pack release), and SPDX 3 ids as the page shortens them (`…#`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "reports.md"
_PACK_VERSION = re.compile(r"\b20\d\d\.\d{1,2}\.\d+\b")
_SPDX3_ID = re.compile(r"https://licscan\.invalid/spdx3/[^#\"]*#")
_RELATIONSHIP = re.compile(r"#relationship-\d+$")


def excerpt(heading: str) -> Any:
    """The first ```json block after `heading` in docs/reports.md."""
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(heading)
    block = re.search(r"```json\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, f"no JSON excerpt after {heading!r}"
    return json.loads(block.group(1))


@cache
def demo_report() -> dict[str, Any]:
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="licscan-docs-")) / "demo.json"
    done = subprocess.run([sys.executable, "-m", "licscan", "demo", "-o", str(out)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={"SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin",
                               "HOME": str(out.parent), "PYTHONPATH": str(REPO),
                               "HF_HUB_OFFLINE": "1"}, cwd=out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, str):
        value = _PACK_VERSION.sub("<pack version>", _SPDX3_ID.sub("…#", value))
        return _RELATIONSHIP.sub("#relationship-<n>", value)
    return value


def contained(shown: Any, real: Any) -> bool:
    """Is `shown` a part of `real`: every key with a contained value, every list item
    contained in a distinct item of the real list, scalars equal?"""
    if isinstance(shown, dict):
        return isinstance(real, dict) and all(
            k in real and contained(v, real[k]) for k, v in shown.items())
    if isinstance(shown, list):
        if not isinstance(real, list):
            return False
        used: set[int] = set()
        for item in shown:
            match = next((i for i, r in enumerate(real) if i not in used and contained(item, r)),
                         None)
            if match is None:
                return False
            used.add(match)
        return True
    return bool(shown == real)


def test_contained_is_strict_about_values_and_lenient_about_omissions() -> None:
    real = {"a": [{"x": 1, "y": 2}, {"x": 3}], "b": "text", "c": 0}
    assert contained({"a": [{"x": 3}, {"y": 2}]}, real)
    assert not contained({"a": [{"x": 3}, {"x": 3}]}, real)  # one real item per shown item
    assert not contained({"b": "other"}, real)
    assert not contained({"d": 1}, real)


def test_the_cyclonedx_excerpt_is_in_the_demo_bom() -> None:
    from licscan.report.cyclonedx import build

    shown = normal(excerpt("The demo's `models/acme-llama-support` in 1.7"))
    bom = normal(build(demo_report(), "1.7"))
    component = next(c for c in bom["components"] if c.get("bom-ref") == shown["bom-ref"])
    assert contained(shown, component), json.dumps(component, indent=2)


def test_the_spdx3_excerpt_is_in_the_demo_document() -> None:
    from licscan.report.spdx3 import render_dict

    shown = normal(excerpt("The demo's `models/acme-llama-support`, its concluded license"))
    document = normal(json.loads(render_dict(demo_report())))
    assert contained(shown, document["@graph"]), json.dumps(document["@graph"], indent=2)[:4000]
