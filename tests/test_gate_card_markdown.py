"""A card's license and terms sections are found and read as Markdown renders them (setext,
indented ATX and HTML headings; fenced text; hard-wrapped paragraphs), and a full license
text in a README section is read whole. Through `licscan scan --format json`; the restricting
sentences are our own, the CC BY-NC 4.0 text is read from the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_gate_common import codes, scan_card

RESTRICTS = "If you want to use the model commercially, you need to obtain a license from us."
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"



@pytest.mark.parametrize("heading", ["License\n-------", "License\n=======", "  ## License",
                                     "   ## License ##", "<h2>License</h2>",
                                     '<h3 align="center">Terms of Use</h3>'])
def test_every_markdown_heading_opens_a_license_section(tmp_path: Path, heading: str) -> None:
    model = scan_card(tmp_path, f"\n{heading}\n\n{RESTRICTS}\n")
    assert model["verdict"] == "review" and "license-custom" in codes(model), model


@pytest.mark.parametrize("fence", ["```", "~~~~", "```text"])
def test_a_fenced_license_section_is_read(tmp_path: Path, fence: str) -> None:
    close = fence[0] * len(fence.removesuffix("text"))
    model = scan_card(tmp_path, f"\n## License\n\n{fence}\nThis model may be used for "
                   f"non-commercial research purposes only.\n{close}\n")
    assert model["verdict"] == "review" and "card-restricts-use" in codes(model), model


def test_an_inline_code_line_does_not_open_a_fence(tmp_path: Path) -> None:
    model = scan_card(tmp_path, "\n```licscan``` is the scanner we use.\n\n## License\n\n"
                   "This model is for non-commercial use only.\n\n    ```\n")
    assert model["verdict"] == "review" and "card-restricts-use" in codes(model), model


def test_a_heading_in_a_code_example_is_not_a_section(tmp_path: Path) -> None:
    model = scan_card(tmp_path, "\n## Example\n\n```python\n# License\nx = 1\n```\n")
    assert model["verdict"] == "allow", model


@pytest.mark.parametrize("wrapped", [
    "This model is intended solely for\nresearch.\n",
    "You may use it for non-\ncommercial purposes only.\n",
    "## Intended Uses\n\nThe model may be used for research\npurposes only.\n"])
def test_a_hard_wrapped_restriction_is_read(tmp_path: Path, wrapped: str) -> None:
    model = scan_card(tmp_path, "\n" + wrapped)
    assert model["verdict"] == "review" and "card-restricts-use" in codes(model), model


@pytest.mark.parametrize("heading", ["License", "Terms of Use", "Intended Use"])
@pytest.mark.parametrize("sentence", [
    "This model is not intended for commercial use.",
    "The model is not designed for commercial purposes.",
    "The weights are not intended for production or commercial deployment."])
def test_not_meant_for_commercial_use_in_a_terms_section(tmp_path: Path, heading: str,
                                                         sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## {heading}\n\n{sentence}\n")
    assert model["verdict"] == "review" and "card-restricts-use" in codes(model), model


def test_not_meant_for_medical_use_is_no_restriction(tmp_path: Path) -> None:
    model = scan_card(tmp_path,
                      "\n## Intended Use\n\nThis model is not intended for medical use.\n")
    assert "card-restricts-use" not in codes(model), model


def test_a_full_license_text_in_a_readme_section_is_read_whole(tmp_path: Path) -> None:
    text = (CORPUS / "cc-by-nc-4.0.txt").read_text()
    assert len(text) > 8000
    model = scan_card(tmp_path, "\n## License\n\n" + text + "\n")
    assert model["verdict"] == "deny" and "scan-incomplete" not in codes(model), model
    assert "CC-BY-NC-4.0" in str((model["license"] or {}).get("expression"))
