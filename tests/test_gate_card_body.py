"""The card body: a restriction anywhere in it (not only under a license or terms heading) is
read, and a card with more terms sections than licscan reads says so. Through the real CLI.
No new finding on cards where nothing restricts use (the demo and fixture cards)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_gate_common import codes, scan, write_tree

REPO = Path(__file__).resolve().parent.parent


def _card(body: str, license_id: str = "apache-2.0") -> str:
    return f"---\nlicense: {license_id}\n---\n# Model\n\n{body}"


def test_forty_sections_the_thirtieth_restricting(tmp_path: Path) -> None:
    sections = [f"## Usage note {n}\n\nThis section describes part {n} of the model.\n"
                for n in range(1, 41)]
    sections[29] = "## Usage note 30\n\nThe model is for non-commercial use only.\n"
    model = write_tree(tmp_path / "m", {"README.md": _card("\n".join(sections))})
    run = scan(tmp_path, str(model))
    found = run.model()
    assert "card-restricts-use" in codes(found)
    [cut] = [f for f in found["findings"] if f["code"] == "scan-incomplete"]
    assert "40 license, terms or usage sections" in cut["message"]
    assert "only the first 12 were read" in cut["message"]
    assert "'Usage note 13'" in cut["message"]


def test_twelve_sections_are_no_cut(tmp_path: Path) -> None:
    sections = [f"## Usage note {n}\n\nPart {n}.\n" for n in range(1, 13)]
    model = write_tree(tmp_path / "m", {"README.md": _card("\n".join(sections))})
    assert "scan-incomplete" not in codes(scan(tmp_path, str(model)).model())


RESTRICTING = [
    "The weights may only be used for non-commercial research.",
    "The weights may only be used for research.",
    "You may not use this model for commercial purposes.",
    "This model is intended solely for academic research.",
    "Use of the weights is restricted to research and evaluation.",
    "Commercial use requires a separate license from Acme.",
    "Use this model only for evaluation, never in a product sold to customers.",
]


@pytest.mark.parametrize("sentence", RESTRICTING)
def test_a_restriction_under_any_heading(tmp_path: Path, sentence: str) -> None:
    body = ("## Model Details\n\nA 7B model trained on web text. " + sentence
            + "\n\n## How to use\n\nLoad it with transformers.\n")
    model = write_tree(tmp_path / "m", {"README.md": _card(body)})
    run = scan(tmp_path, str(model))
    found = run.model()
    [finding] = [f for f in found["findings"] if f["code"] == "card-restricts-use"]
    assert finding["severity"] == "review"
    assert sentence.rstrip(".")[:60] in finding["message"]
    assert found["verdict"] != "allow"


NOT_RESTRICTING = [
    "Free for commercial use.",
    "Commercial and non-commercial use are permitted.",
    "The model should not be used to generate harmful content.",
    "We thank the academic research community for the benchmarks.",
    "This model is not ready for production use yet; expect rough edges.",
    "You may use the model for research and commercial purposes.",
    "The model is intended for commercial and research use in English.",
    "Evaluation results are only reported for English.",
    "Commercial use requires attribution to the authors.",
    "We do not recommend using this model for commercial applications without more testing.",
    "If you use this model in academic research, please cite it.",
]


@pytest.mark.parametrize("sentence", NOT_RESTRICTING)
def test_no_finding_where_nothing_restricts(tmp_path: Path, sentence: str) -> None:
    body = "## Model Details\n\n" + sentence + "\n"
    model = write_tree(tmp_path / "m", {"README.md": _card(body)})
    assert "card-restricts-use" not in codes(scan(tmp_path, str(model)).model())


def _cards() -> list[Path]:
    """The demo's model cards (examples/models), the base-model cards in its bundled cache,
    and the fixture cards."""
    roots = [REPO / "tests" / "fixtures", REPO / "examples"]
    cards = [p for root in roots if root.is_dir() for p in root.rglob("README.md")]
    blobs = REPO / "examples" / "hub-cache" / "v1" / "blobs"
    cards += [p for p in blobs.rglob("*") if p.is_file() and p.read_bytes()[:3] == b"---"]
    return sorted(cards)


def test_fixture_and_demo_cards_gain_no_restriction() -> None:
    """Every demo and fixture card whose body restricts nothing (by the narrow reading that
    came before) gains no card-restricts-use passage from the wider one."""
    from licscan.evidence.card import decode_text, mentions_restriction, parse_card, restrictions

    checked = 0
    new = []
    for path in _cards():
        text = decode_text(path.read_bytes())
        if text is None:
            continue
        body = parse_card(text).body
        checked += 1
        for found in restrictions(body):
            if not mentions_restriction(found.text):
                new.append(f"{path.relative_to(REPO)}: {found.text!r}")
    assert checked >= 10  # 8 demo cards, the cached base-model cards, the fixtures
    assert new == [], "\n".join(new)
