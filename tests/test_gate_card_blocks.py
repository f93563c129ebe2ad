"""A card's Markdown blocks are read as CommonMark renders them: an HTML heading whose tags and
text span several lines (`<h2>\\nLicense\\n</h2>`, attributes on their own line) opens a
section, and a fenced code block inside a list item or a block quote (`- ```` ``, `> ```` ``,
`1) ```` ``) is a fence: it ends where its container ends (so what follows is not swallowed
as code), its content is read without the quote markers, and a heading in it is none. Through
`licscan scan FOLDER --format json --no-config` with a commercial context; the sentences are
our own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_gate_common import codes, scan_card

NOT_MEANT = "This model is not intended for commercial use."  # a restriction under "License"



def _restricted(model: dict[str, Any]) -> bool:
    return model["verdict"] == "review" and "card-restricts-use" in codes(model)


# -- HTML headings over several lines ------------------------------------------------------

@pytest.mark.parametrize("heading", [
    "<h2>\nLicense\n</h2>",
    "<h2>License\n</h2>",
    '<h2\n  id="license">License</h2>',
    '<h2 id="license" align="center">\n  <b>License</b>\n</h2>',
    "<H3>\nTerms of Use</H3>",
    "<h2 id=x>License</h2>",
])
def test_an_html_heading_over_several_lines_opens_a_license_section(tmp_path: Path,
                                                                    heading: str) -> None:
    model = scan_card(tmp_path, f"\n{heading}\n\n{NOT_MEANT}\n")
    assert _restricted(model), model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert NOT_MEANT.rstrip(".") in finding["message"]


def test_the_section_under_a_multi_line_html_heading_ends_at_the_next(tmp_path: Path) -> None:
    """The control: the license section ends at the next heading, itself over three lines;
    the sentence under "Evaluation" is no license term."""
    model = scan_card(tmp_path, "\n<h2>\nLicense\n</h2>\n\nApache 2.0.\n\n<h2>\nEvaluation\n"
                      f"</h2>\n\n{NOT_MEANT}\n")
    assert "card-restricts-use" not in codes(model) and model["verdict"] == "allow", model


def test_an_html_heading_is_closed_within_its_block(tmp_path: Path) -> None:
    """A `<h2>` whose closing tag comes only after a blank line is no heading (CommonMark
    ends the HTML block at the blank line): "License" two paragraphs later is no title."""
    model = scan_card(tmp_path, "\n<h2>\nModel\n\nLicense</h2>\n\n" + NOT_MEANT + "\n")
    assert "card-restricts-use" not in codes(model), model


# -- fences in list items and block quotes ------------------------------------------------

@pytest.mark.parametrize("item", [
    "- ```\n  pip install acme\n  ```",
    "+ ```\n  pip install acme\n  ```",
    "* ~~~~\n  pip install acme\n  ~~~~",
    "1) ```bash\n   pip install acme\n   ```",
    "1. Install:\n\n   - ```\n     pip install acme\n     ```",
])
def test_a_fence_in_a_list_item_does_not_swallow_the_license(tmp_path: Path, item: str) -> None:
    """The list item's fence is closed in the item; the license section after it is read
    (and the code block after that stays code)."""
    fence = item.split("\n")[-1].strip()
    model = scan_card(tmp_path, f"\n## Install\n\n{item}\n\n## License\n\n{NOT_MEANT}\n\n"
                   f"## Usage\n\n{fence}python\nmodel = load()\n{fence}\n")
    assert _restricted(model), model


def test_a_fence_in_a_list_item_ends_with_the_item(tmp_path: Path) -> None:
    """No closing fence: the item ends at the heading, and so does the fence."""
    model = scan_card(tmp_path, f"\n- ```\n  pip install acme\n## License\n\n{NOT_MEANT}\n")
    assert _restricted(model), model


def test_a_fence_never_closed_in_its_item_is_read(tmp_path: Path) -> None:
    """Fails closed as a top-level fence does: an item running to the end of the card
    with its fence open is not code."""
    model = scan_card(tmp_path,
                      "\n## Notes\n\n- ```\n  The model is for non-commercial use only.\n")
    assert _restricted(model), model


@pytest.mark.parametrize("item", ["- ```markdown\n  ## License\n  {s}\n  ```",
                                  "> ```markdown\n> ## License\n> {s}\n> ```",
                                  "1. ```\n   # License\n   {s}\n   ```"])
def test_a_heading_in_a_fenced_example_in_a_list_or_quote_is_none(tmp_path: Path,
                                                                   item: str) -> None:
    """A card template shown as an example in a list item is code, not the card's terms."""
    model = scan_card(tmp_path, "\n## Writing a card\n\n" + item.format(s=NOT_MEANT) + "\n")
    assert "card-restricts-use" not in codes(model) and model["verdict"] == "allow", model


@pytest.mark.parametrize("quoted", [
    "> ```\n> This model may be used for research\n> purposes only.\n> ```",
    "> ~~~text\n> You may use it for non-\n> commercial purposes only.\n> ~~~",
    "- Terms:\n\n  > ```\n  > This model may be used for research\n  > purposes only.\n  > ```",
])
def test_a_fenced_license_text_in_a_quote_is_read_as_its_lines(tmp_path: Path,
                                                               quoted: str) -> None:
    """Quote markers taken off, a hard-wrapped sentence inside is one sentence."""
    model = scan_card(tmp_path, f"\n## License\n\n{quoted}\n")
    assert _restricted(model), model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert ">" not in finding["message"].split("restricts it:")[1]


def test_a_quoted_hard_wrapped_restriction_is_one_sentence(tmp_path: Path) -> None:
    model = scan_card(tmp_path, "\n## Notes\n\n> The model may be used for research\n"
                   "> purposes only.\n")
    assert _restricted(model), model


def test_usage_code_in_a_list_item_is_still_code(tmp_path: Path) -> None:
    """The control: a list of steps with fenced code, no restriction anywhere: allowed."""
    model = scan_card(tmp_path, "\n## Usage\n\n1. Install:\n   ```bash\n   pip install acme\n"
                   "   ```\n2. Run:\n   ```python\n   # research only: a comment in code\n"
                   "   model = load()\n   ```\n\n> ```\n> python run.py --research-only\n> ```\n")
    assert "card-restricts-use" not in codes(model) and model["verdict"] == "allow", model
