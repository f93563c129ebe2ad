"""Gate holes in how a card's body is read, closed. (1) As CommonMark renders it, a heading in
a block quote or a list item ("> ## License", "- ## License") is a heading: the license section
under it is read as one. (2) A license demanded of businesses, companies or production use
("Businesses must obtain a license", "Interested in production use? Contact us for a
license."), and an FAQ's "no" to whether commercial use is allowed ("Can I use it
commercially? No.") or "yes" to whether it needs a license, are restrictions. (3) A grant
followed by a courtesy ("Commercial use is allowed, but we would love it if you contact us")
is no condition. Through `licscan scan FOLDER --format json --no-config` with a commercial
context; the sentences are our own.

The guard lists (GRANTS, STILL_ASKS) pass without the change too: they hold the new rules to
their scope (a denied need, a copy of the license, a "no restrictions" answer, a courtesy that
still asks first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from licscan.evidence.markdown import parse_markdown
from tests.test_gate_common import codes, scan_card

ONLY_IN_TERMS = "This model is not intended for use in products."
NEEDS_LICENSE = "If you want to use the model commercially, you need to obtain a license from us."


@pytest.mark.parametrize("heading", [
    "> ## License\n>", ">## License\n>", "> License\n> -------\n>", "> > ### Terms of Use\n> >",
    "> <h2>License</h2>\n>", "- ## License\n", "1. ## Licensing\n", "* > ## License\n  >"])
def test_a_heading_in_a_quote_or_a_list_item_opens_a_license_section(tmp_path: Path,
                                                                      heading: str) -> None:
    """The sentence restricts only under a license heading; its indentation and markers follow
    the heading's container."""
    prefix = heading.split("\n")[-1]
    prefix = prefix if prefix.strip() else "  "
    model = scan_card(tmp_path, f"\n{heading}\n{prefix} {ONLY_IN_TERMS}\n")
    assert model["verdict"] == "review", model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert ONLY_IN_TERMS.rstrip(".") in finding["message"]


@pytest.mark.parametrize("heading", ["> ## License\n>", "- ## License\n"])
def test_the_license_section_in_a_container_is_identified(tmp_path: Path, heading: str) -> None:
    prefix = ">" if heading.startswith(">") else " "
    model = scan_card(tmp_path, f"\n{heading}\n{prefix} {NEEDS_LICENSE}\n")
    assert model["verdict"] == "review" and "license-custom" in codes(model), model


def test_headings_follow_their_containers() -> None:
    """Headings as CommonMark renders them: in quotes and list items too; a setext underline
    counts only in the paragraph's own container (not a thematic break that closes a quote or
    a list, nor a new list item's text)."""
    body = ("> ## Quoted\n\n- ### Listed\n\n> Setext in a quote\n> ==\n\n"
            "- Setext in an item\n  ---\n\n> Not setext\n---\n\n- Not setext either\n---\n\n"
            "1. Item\n2. ===\n\n```\n> ## In code\n```\n")
    titles = [h.title for h in parse_markdown(body).headings]
    assert titles == ["Quoted", "Listed", "Setext in a quote", "Setext in an item"]


def test_a_list_item_heading_is_quoted_apart_from_its_text() -> None:
    """A heading ends its line's paragraph in a list item too: its text is quoted alone, once,
    under its title."""
    from licscan.evidence.card import restrictions

    found = restrictions("- ## License\n  This model is for research use only.\n")
    assert [(r.section, r.text, r.line) for r in found] == [
        ("License", "This model is for research use only.", 1)]


DEMANDS = [
    "Interested in production use? Contact us for a license.",
    "Businesses must obtain a license.",
    "Enterprises must purchase a license.",
    "Organisations have to buy a licence before deploying the model.",
    "For production deployments you will need to obtain a license from us.",
    "Corporate users are required to sign a license agreement with the authors.",
    "Startups and companies must get a paid subscription to run these weights.",
    "Using the model in production requires a license from Acme.",
    "Want to run it in production? Email us for a license.",
]

FAQ_DENIALS = [
    "Can I use it commercially? No.",
    "Q: Is commercial use permitted? A: No, the weights are meant for study.",
    "**Can this model be used by a business?** No.",
    "Commercial use? No.",
    "Is commercial deployment possible? Sorry, no.",
    "Q: May I sell products built on it?\nA: Nope.",
    "Is a license required for commercial use? Yes.",
    "Do I have to pay for commercial use? Yes, see our pricing page.",
]


@pytest.mark.parametrize("where", ["top", "section"])
@pytest.mark.parametrize("sentence", DEMANDS + FAQ_DENIALS)
def test_a_license_demand_or_an_faq_denial_is_a_restriction(tmp_path: Path, sentence: str,
                                                            where: str) -> None:
    body = f"\n{sentence}\n" if where == "top" else \
        f"\n## FAQ\n\nA 7B model trained on web text.\n\n{sentence}\n\n## How to use\n\nLoad it.\n"
    model = scan_card(tmp_path, body)
    assert model["verdict"] != "allow", model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert " ".join(sentence.split())[:30] in finding["message"]


@pytest.mark.parametrize("answer", ["No.", "No, not yet.", "Not at the moment."])
def test_an_faq_answer_under_its_question_heading(tmp_path: Path, answer: str) -> None:
    model = scan_card(tmp_path, f"\n## FAQ\n\n### Can I use the model commercially?\n\n"
                                f"{answer}\n\n### Which GPUs work?\n\nMost.\n")
    assert model["verdict"] == "review" and "card-restricts-use" in codes(model), model


# a question that alone reads as a restriction, answered so that it grants
FAQ_GRANTS = [
    "Do I need a license for commercial use? No, Apache 2.0 covers it.",
    "Is a commercial license required? No.",
    "Do companies need permission for commercial deployment? No.",
    "Q: Is written approval required before commercial use?\nA: No, none is needed.",
]


@pytest.mark.parametrize("sentence", FAQ_GRANTS)
def test_an_faq_answer_that_grants_clears_its_question(tmp_path: Path, sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## FAQ\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


def test_guard_a_held_question_still_restricts_when_unanswered(tmp_path: Path) -> None:
    """The last sentence of a card, a question that reads as a restriction, is still read."""
    model = scan_card(tmp_path, "\n## FAQ\n\nResearch is welcome. Is a commercial license "
                                "required? Yes.\n\nDo I need a license for commercial use?\n")
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert "Is a commercial license required?" in finding["message"]
    assert "Do I need a license for commercial use?" in finding["message"]


COURTESY = [
    "Commercial use is allowed, but we would love it if you contact us.",
    "Commercial use is permitted, but we'd love to hear from you, so feel free to contact us.",
    "You can use it commercially, but we would appreciate it if you email us about your "
    "product.",
    "Commercial use is allowed, however we'd be glad if you reach out to tell us about it.",
    "Commercial use is fine, but feel free to contact us with feedback.",
    "Commercial use is permitted, but we encourage you to get in touch.",
]


@pytest.mark.parametrize("sentence", COURTESY)
def test_a_grant_with_a_courtesy_request_is_no_restriction(tmp_path: Path,
                                                            sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## Model Details\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


# a duty to keep a notice, as a duty to credit, limits no use (the card reads qualify's
# credit words)
NOTICE_DUTIES = [
    "Commercial use requires that you include the license notice.",
    "Commercial deployment requires you to retain our notices.",
]


@pytest.mark.parametrize("sentence", NOTICE_DUTIES)
def test_a_notice_duty_is_no_restriction(tmp_path: Path, sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## Model Details\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


# guards: permissions the new rules must not read as restrictions
GRANTS = [
    "Commercial use is allowed; feel free to reach out.",
    "Commercial use is allowed, but we'd appreciate a mention.",
    "You can use it commercially, but we would appreciate it if you emailed us about it.",
    "Commercial use is allowed, however we'd be glad if you reached out to say hello.",
    "Can I use it commercially? Yes.",
    "Is commercial use allowed? Yes, under Apache 2.0.",
    "Can I use it commercially? No problem, go ahead.",
    "Businesses do not need to buy a license.",
    "Companies don't have to purchase a license to use this model.",
    "Companies must include a copy of the license with the weights.",
    "Businesses must keep the license notice in copies they ship.",
    "Interested in production use? See the deployment guide.",
    "Do I need to credit you in a commercial product? Yes, please.",
    "Is it good for commercial chat assistants? Not really, it is small.",
]

# guards: a courtesy that still asks first, or a plain request, stays a restriction
STILL_ASKS = [
    "Commercial use is allowed, but we would appreciate it if you contacted us first.",
    "Commercial use is permitted, but please contact us.",
    "Commercial use is allowed, but we would love it if you contact us before any deployment.",
]


@pytest.mark.parametrize("sentence", GRANTS)
def test_guard_permissions_stay_allowed(tmp_path: Path, sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## Model Details\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


@pytest.mark.parametrize("sentence", STILL_ASKS)
def test_guard_a_courtesy_that_still_asks_restricts(tmp_path: Path, sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## Model Details\n\n{sentence}\n")
    assert "card-restricts-use" in codes(model), model["findings"]


@pytest.mark.parametrize(("heading", "flagged"), [("License", True), ("Intended Use", False)])
def test_guard_critical_infrastructure_follows_the_existing_categories(
        tmp_path: Path, heading: str, flagged: bool) -> None:
    """"Not for use in critical infrastructure services": under a license heading a refused
    field of services limits use (the wider reading); under an intended-use heading "critical"
    qualifies the services as a safety context, a disclaimer (tests/test_card_intended_use.py)."""
    model = scan_card(tmp_path, f"\n## {heading}\n\nNot for use in critical infrastructure "
                                "services.\n")
    assert ("card-restricts-use" in codes(model)) is flagged, model["findings"]
