"""Every error kind licscan can put in a report's `error.kind` is one the JSON Schema lists: the
report is a public contract, and a consumer that validates it must not reject a scan because a
source raised a kind nobody added to the schema."""

from __future__ import annotations

import ast
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "docs" / "schemas" / "report.schema.json"


def schema_kinds() -> set[str]:
    model = json.loads(SCHEMA.read_text())["$defs"]["model"]
    return set(model["properties"]["error"]["properties"]["kind"]["enum"])


def raised_kinds() -> set[str]:
    """The literal kinds in the source: `SourceError("kind", …)`, the Hub client errors table
    and the `(kind, message)` pairs `classify` returns."""
    kinds: set[str] = set()
    for path in (REPO / "licscan").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SourceError" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                kinds.add(node.args[0].value)
            if isinstance(node, ast.FunctionDef) and node.name == "classify":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple) \
                            and isinstance(ret.value.elts[0], ast.Constant):
                        kinds.add(ret.value.elts[0].value)
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "_CLIENT_ERRORS" for t in node.targets):
                for row in node.value.elts:  # type: ignore[attr-defined]
                    kinds.add(row.elts[1].value)
    return kinds


def test_the_finder_sees_each_way_a_kind_is_raised() -> None:
    kinds = raised_kinds()
    assert {"bad-header", "network", "gated", "internal"} <= kinds


def test_every_error_kind_is_in_the_schema() -> None:
    assert raised_kinds() - schema_kinds() == set()


def test_a_weight_file_error_validates(tmp_path: Path) -> None:
    import subprocess
    import sys

    import jsonschema

    (tmp_path / "broken.onnx").write_bytes(b"\x08\x09\x3a\xff\xff\xff\x0f")
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, "-m", "licscan", "scan", "broken.onnx", "--offline",
                    "--no-config", "-f", "json", "-o", str(out)], cwd=tmp_path, check=False,
                   capture_output=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
                                             "HOME": str(tmp_path)})
    report = json.loads(out.read_text())
    assert report["models"][0]["error"]["kind"] == "bad-header"
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))


def test_licscan_own_refs_say_what_they_stand_for() -> None:
    """The ids conclude.py makes for terms without a rule are described as such in SPDX (2.3 and
    3), never as "a license identified by the rule pack"."""
    from licscan.report.spdx import ref_description

    for ref, words in (("LicenseRef-licscan-custom-0123456789ab", "custom license"),
                       ("LicenseRef-licscan-unidentified-0123456789ab", "could not identify"),
                       ("LicenseRef-licscan-unresolved-base-acme-m", "base model")):
        text = ref_description(ref, "rule pack", "licscan-builtin 1")
        assert words in text and "unknown" in text and "identified by" not in text
    assert "identified by the licscan rule pack" in ref_description(
        "LicenseRef-scancode-llama-3.1-license-2024", "rule pack", "licscan-builtin 1")
