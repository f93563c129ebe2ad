"""Claim + evidence -> conclusion, on local model folders with real reference texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.model import ModelResult
from licscan.scan import Scanner, ScanOptions
from licscan.targets import parse_target


def model(tmp_path: Path, card: str, files: dict[str, bytes | str]) -> ModelResult:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "README.md").write_text(f"---\n{card}\n---\n# model\n")
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    scanner = Scanner(ScanOptions(offline=True))
    (result,) = scanner.scan([parse_target(str(folder))]).models
    return result


def codes(result: ModelResult) -> list[str]:
    return [f.code for f in result.findings]


def test_card_apache_file_llama(tmp_path: Path, corpus: Path) -> None:
    result = model(tmp_path, "license: apache-2.0",
                   {"LICENSE": (corpus / "llama3.1-license.txt").read_bytes()})
    assert "license-mismatch" in codes(result)
    assert result.license is not None
    assert result.license.expression == \
        "LicenseRef-scancode-llama-3.1-license-2024 AND Apache-2.0"
    assert result.flags.commercial_use == "conditional"
    assert result.verdict == "review"
    file_ev = [e for e in result.license.evidence if e.path == "LICENSE"]
    assert file_ev and file_ev[0].sha256 and file_ev[0].detail.identification.status == "identified"


def test_other_resolved_by_text(tmp_path: Path, corpus: Path) -> None:
    result = model(tmp_path, "license: other\nlicense_link: LICENSE",
                   {"LICENSE": (corpus / "qwen-license-2024-09-19.txt").read_bytes()})
    assert result.license is not None and result.license.expression == "LicenseRef-licscan-qwen"
    assert "license-mismatch" not in codes(result)
    assert result.license.confidence == 100


def test_family_claim_refined_to_version(tmp_path: Path, corpus: Path) -> None:
    result = model(tmp_path, "license: gemma",
                   {"LICENSE": (corpus / "gemma-tou-2025-03-24.txt").read_bytes()})
    assert result.license is not None
    assert result.license.rule_ids == ("gemma-2025-03-24",)
    assert "license-mismatch" not in codes(result)


def test_family_tag_resolved_by_text(tmp_path: Path, corpus: Path) -> None:
    result = model(tmp_path, "license: openrail",
                   {"LICENSE": (corpus / "creativeml-openrail-m-2022-08-22.txt").read_bytes()})
    assert result.license is not None
    assert result.license.expression == "LicenseRef-scancode-stable-diffusion-2022-08-22"
    assert "license-unresolved" not in codes(result)


def test_family_tag_without_text_is_unresolved(tmp_path: Path) -> None:
    result = model(tmp_path, "license: openrail", {})
    assert result.license is not None and result.license.expression is None
    assert "license-unresolved" in codes(result) and result.verdict == "review"


def test_modified_text_is_never_the_original(tmp_path: Path, corpus: Path) -> None:
    text = (corpus / "llama3.1-license.txt").read_text().replace("700 million", "7 million")
    result = model(tmp_path, "license: llama3.1", {"LICENSE": text})
    assert "license-text-modified" in codes(result)
    assert result.license is not None and result.license.confidence <= 60
    assert result.verdict == "review"


def test_license_plus_use_policy(tmp_path: Path, corpus: Path) -> None:
    result = model(tmp_path, "license: llama3.2", {
        "LICENSE.txt": (corpus / "llama3.2-license.txt").read_bytes(),
        "USE_POLICY.md": (corpus / "llama3.2-aup.txt").read_bytes()})
    assert result.license is not None
    assert result.license.rule_ids == ("llama3.2", "llama3.2-aup")
    assert result.license.confidence == 100


@pytest.mark.parametrize(("card", "expected"), [
    ("license: mit", "allow"), ("license: cc-by-nc-4.0", "deny"), ("license: llama3.1", "review"),
    ("license: unknown", "review"), ("pipeline_tag: text-generation", "review"),
])
def test_default_verdicts(tmp_path: Path, card: str, expected: str) -> None:
    assert model(tmp_path, card, {}).verdict == expected


def test_binary_license_file(tmp_path: Path) -> None:
    result = model(tmp_path, "license: mit", {"LICENSE": b"\x00\x01\x02" * 100})
    assert "license-text-unidentified" in codes(result)
    assert result.status == "ok"
