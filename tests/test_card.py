from __future__ import annotations

import pytest

from licscan import safeyaml
from licscan.evidence.card import decode_text, license_section, parse_card


def test_front_matter_parsed() -> None:
    card = parse_card(
        "---\nlicense: llama3.1\nbase_model: [a/b, c/d]\ndate: 2024-01-01\n---\n# T\n")
    assert card.data == {"license": "llama3.1", "base_model": ["a/b", "c/d"],
                         "date": "2024-01-01"}
    assert card.body.startswith("# T") and card.body_first_line == 6


@pytest.mark.parametrize(("text", "needle"), [
    ("---\nlicense: [a\n---\n", "invalid YAML"),
    ("---\nlicense: apache-2.0\n# never closed\n", "no closing"),
    ("---\n- a\n- b\n---\n", "not a mapping"),
    ("---\na: &x [1]\nb: *x\n---\n", "anchors"),
])
def test_broken_front_matter_reported(text: str, needle: str) -> None:
    card = parse_card(text)
    assert card.data is None and card.problem is not None and needle in card.problem


def test_yaml_bomb_refused_quickly() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    with pytest.raises(safeyaml.YamlProblem):
        safeyaml.load(bomb)


def test_deep_nesting_refused() -> None:
    with pytest.raises(safeyaml.YamlProblem, match="nested"):
        safeyaml.load("a: " + "[" * 200 + "]" * 200)


def test_no_front_matter() -> None:
    card = parse_card("# just a readme\n")
    assert card.data is None and card.problem is None


def test_decode_text() -> None:
    assert decode_text("é".encode("utf-16")) == "é"
    assert decode_text(b"\xef\xbb\xbfhi") == "hi"
    assert decode_text(b"\x00\x01binary") is None
    assert decode_text(b"caf\xe9") == "café"


def test_license_section() -> None:
    body = "# Model\ntext\n## License\nReleased under the Llama 3.1 Community License.\n## Use\n"
    section = license_section(body)
    assert section is not None
    assert section[0].strip() == "Released under the Llama 3.1 Community License."
    assert section[1] == 3
