"""A card that makes commercial use a matter to ask about ("For commercial use, please contact
us", "commercial licensing inquiries", "contact us for a commercial license", "commercial use
requires permission") does not grant it: anywhere in the card body, the sentence is a
`card-restricts-use` passage and a commercial context is not allowed. A contact line that asks
nothing of a commercial user ("contact us for commercial support", "for questions, contact
us") changes nothing. Through `licscan scan FOLDER --format json --no-config` with a
commercial context; the sentences are our own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_gate_common import codes, scan_card

ASKS = [
    "For commercial use, please contact us.",
    "For commercial use, contact sales@acme.example.",
    "For commercial licensing inquiries, please email licensing@acme.example.",
    "Please contact us for a commercial license.",
    "Contact the authors to obtain a commercial license.",
    "Commercial use requires permission from Acme.",
    "Commercial use requires prior written authorization.",
    "If you are interested in commercial use, please reach out to us.",
    "For commercial purposes, please get in touch with our team.",
    "Commercial licenses are available on request.",
    "To use this model commercially, please contact us at hello@acme.example.",
    "Commercial usage is subject to approval by Acme.",
    "Companies wishing to use the model in commercial products should contact "
    "licensing@acme.example.",
    "Please email us before using the model for commercial purposes.",
    "Commercial use is possible, but please contact us first.",
    "Interested in commercial use? Contact us at hello@acme.example.",
    "This model is not available for commercial use; contact us for a license.",
    "You can use it commercially, but please contact us first.",
    # inquiries and enquiries are asking; a grant on a condition (a paid or signed license,
    # an agreement first) or cut short by a requirement after ';' grants nothing outright
    "For commercial inquiries, please email sales@acme.example.",
    "For commercial enquiries, write to licensing@acme.example.",
    "Commercial enquiries: please e-mail us.",
    "Commercial use is allowed with a paid license, which you can request from "
    "sales@acme.example.",
    "Commercial use is permitted with a separate commercial license; contact sales@acme.example.",
    "Commercial use is permitted after you sign our enterprise agreement.",
    "Commercial use is allowed once you have signed a license agreement with us.",
    "Commercial use is free for companies under 100 employees; larger companies must contact "
    "us.",
    "Commercial use is free for individuals; companies need to contact us for a license.",
]

HARMLESS = [
    "Contact us for commercial support.",
    "For questions, contact us.",
    "For commercial support and consulting, contact sales@acme.example.",
    "Commercial use is permitted; for questions, please contact us.",
    "You can use this model commercially and contact us with any questions.",
    "For business inquiries, contact us at hello@acme.example.",
    "Please contact us if you find a bug in the model.",
    "We offer commercial support plans; contact us for details.",
    "Commercial use is allowed without asking permission.",
    "Apache 2.0 permits commercial use; no permission is required.",
    "For commercial use cases, see the examples folder.",
    "Commercial use is free; we would love to hear about it, so contact us.",
    "Our commercial partners can contact their account manager for help.",
    "Contact us to report commercial misuse of the model.",
    "Is commercial use allowed? Yes: the Apache 2.0 license permits it.",
    "Apache 2.0 lets you use it commercially; contact us if you need help.",
    "This model is suitable for commercial use; contact us for enterprise support.",
    "You are free to use this model for commercial purposes; please email us to let us know!",
    "The model is released under Apache 2.0, allowing commercial use; email us with questions.",
    # sharing by email asks for nothing; a grant's later clause that invites or names another
    # duty takes nothing back
    "Share your commercial applications with us by email, we love to hear about them!",
    "Tell us about your commercial projects via email.",
    "You can use this model commercially; contact us with any questions.",
    "Commercial use is allowed even after fine-tuning; contact us with questions.",
    "Commercial use is allowed with a permissive license; contact us with questions.",
    "Commercial use is allowed under Apache 2.0; email us if you build something cool.",
    "Commercial use is free; you must keep the license notice. Contact us with questions.",
]



@pytest.mark.parametrize("where", ["top", "section"])
@pytest.mark.parametrize("sentence", ASKS)
def test_asking_for_commercial_terms_is_a_restriction(tmp_path: Path, sentence: str,
                                                      where: str) -> None:
    body = f"\n{sentence}\n" if where == "top" else \
        f"\n## Model Details\n\nA 7B model trained on web text. {sentence}\n\n" \
        "## How to use\n\nLoad it with transformers.\n"
    model = scan_card(tmp_path, body)
    assert model["verdict"] != "allow", model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert finding["severity"] == "review"
    assert " ".join(sentence.split())[:50] in finding["message"]


@pytest.mark.parametrize("sentence", HARMLESS)
def test_a_contact_line_that_asks_nothing_is_no_restriction(tmp_path: Path,
                                                            sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## Model Details\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


def test_a_question_and_an_answer_in_other_paragraphs_are_not_joined(tmp_path: Path) -> None:
    model = scan_card(tmp_path, "\n## FAQ\n\nIs it good for commercial use?\n\n"
                   "Contact us with your feedback.\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
