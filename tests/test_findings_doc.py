"""Every finding code licscan can emit is documented in docs/findings.md, with its severity.

The codes are read from the source itself (every call that passes a code literal followed by a
severity literal, or a code to `Finding`/`Note`), so a new finding without documentation fails
here, whatever helper builds it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from licscan.policy.findings import CATALOGUE

REPO = Path(__file__).resolve().parent.parent
CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
SEVERITIES = {"info", "review", "deny"}
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (info|review|deny) \| (.+) \|$", re.MULTILINE)


def _emitted() -> dict[str, set[str]]:
    """code -> severities it is emitted with ("" when the severity is computed)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "licscan").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else \
                node.func.id if isinstance(node.func, ast.Name) else ""
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args]
            for number, value in enumerate(args):
                if value is None or not CODE.match(value):
                    continue
                following = args[number + 1] if number + 1 < len(args) else None
                if following in SEVERITIES:
                    found.setdefault(value, set()).add(following)
                elif number == 0 and name in ("Finding", "Note"):
                    found.setdefault(value, set()).add("")
    return found


def _documented() -> dict[str, tuple[str, str]]:
    text = (REPO / "docs" / "findings.md").read_text(encoding="utf-8")
    return {code: (severity, meaning) for code, severity, meaning in ROW.findall(text)}


def test_the_source_emits_findings() -> None:
    emitted = _emitted()
    # the detector must see the codes built by hand, by helpers and with computed severities
    assert {"license-custom", "card-restricts-use", "license-link-restricted",
            "scan-incomplete", "license-file-truncated"} <= set(emitted), sorted(emitted)


def test_every_emitted_finding_is_documented_with_its_severity() -> None:
    documented = _documented()
    missing = sorted(set(_emitted()) - set(documented))
    assert missing == [], f"finding codes without a row in docs/findings.md: {missing}"
    wrong = sorted((code, sorted(severities), documented[code][0])
                   for code, severities in _emitted().items()
                   if severities - {""} and documented[code][0] not in severities)
    assert wrong == [], f"severity in docs/findings.md differs from the source: {wrong}"


def test_every_catalogued_finding_is_documented_with_an_anchor() -> None:
    documented = _documented()
    assert sorted(set(CATALOGUE) - set(documented)) == []
    for code, (_severity, meaning) in documented.items():
        assert f'<a id="{code}"></a>' in meaning, code
        assert len(meaning) > 40, code  # a description, not a placeholder


def test_the_config_schema_offers_every_category_the_pack_uses() -> None:
    """docs/schemas/config.schema.json lists the categories a policy may name: those of the
    rule schema (which include the ScanCode categories of the derived SPDX rules)."""
    import csv
    import json

    from licscan.policy.model import CATEGORIES

    schema = json.loads((REPO / "docs" / "schemas" / "config.schema.json").read_text())
    offered = schema["$defs"]["category"]["enum"]
    assert tuple(offered) == CATEGORIES
    rows = [line for line in (REPO / "rules" / "spdx-licenses.tsv").read_text(
        encoding="utf-8").splitlines() if not line.startswith("#") or line.startswith("# spdx")]
    used = {row["category"] for row in csv.DictReader(
        (r.lstrip("# ") for r in rows), delimiter="\t")}
    assert used <= set(offered), used - set(offered)


def test_the_policy_doc_names_every_gate_finding() -> None:
    """docs/policy.md lists the findings that are a floor for allow rules; the list is the
    code's (`GATE_FINDINGS`), so a new gate finding cannot go unmentioned there."""
    from licscan.policy.findings import GATE_FINDINGS

    text = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    start = text.index("**Gate findings are a floor.**")
    paragraph = text[start:text.index("\n\n", start)]
    named = set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", paragraph))
    assert named >= GATE_FINDINGS, sorted(GATE_FINDINGS - named)
