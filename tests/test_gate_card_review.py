"""Holes a reviewer found in the card wording added on 2026-12-06 (each let a restriction
through that the earlier reading sent to review), and the clause a courtesy is read in."""

from __future__ import annotations

import pytest

from licscan.evidence import wording
from licscan.evidence.card import restrictions


@pytest.mark.parametrize("body", [
    "## License\n\n> ## Note\n> This model is not intended for use in products.\n",
    "## License\n\nApache-2.0 for the code.\n\n- ## Weights\n  The weights are not intended "
    "for use in products.\n",
])
def test_a_heading_in_a_quote_or_list_does_not_end_the_license_section(body: str) -> None:
    assert restrictions(body), body


@pytest.mark.parametrize("body", [
    "## FAQ\n\nDo I need a license for commercial use? No, but you need our written permission.",
    "## FAQ\n\nDo I need a license for commercial use? No, a subscription is required.",
    "## FAQ\n\n### Do I need a commercial license?\n\nNo, unless you are a company.\n",
])
def test_a_granting_answer_that_takes_the_grant_back_restricts(body: str) -> None:
    assert restrictions(body), body


@pytest.mark.parametrize("body", [
    "## FAQ\n\nDo I need a license for commercial use? No.",
    "## FAQ\n\nIs commercial use restricted? No.",
    "## FAQ\n\nIs written approval required before commercial use? No, none is needed.",
])
def test_a_plain_granting_answer_does_not(body: str) -> None:
    assert not restrictions(body), body


@pytest.mark.parametrize("sentence", [
    "You can use it commercially, but we'd like you to email us so we can approve it.",
    "Commercial use is permitted, but we'd like you to get in touch to discuss pricing.",
    "Commercial use is allowed, but we'd appreciate you contacting us in advance.",
])
def test_a_request_after_a_grant_is_no_courtesy(sentence: str) -> None:
    assert wording.asks_for_commercial_terms(sentence), sentence


def test_a_courtesy_clause_is_read_up_to_its_end_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each "but" after a grant is read for at most its clause: a card of thousands of them
    is read in linear time (the clause once ran to the end of the text)."""
    read: list[int] = []
    real = wording._COURTESY

    class Counting:
        def search(self, text: str) -> object:
            read.append(len(text))
            return real.search(text)

    monkeypatch.setattr(wording, "_COURTESY", Counting())
    sentence = "Commercial use is allowed" + ", but we would love it if you contact us" * 2000
    assert not wording.asks_for_commercial_terms(sentence)
    assert read and max(read) <= wording._CLAUSE
