"""A disclaimer of intended use next to a license is no restriction of it; a restriction
worded like one still is (issue 11, fail closed).

"This model is not intended for medical use." warns; it takes no right away, so the license
it stands next to is still that license. "This model may not be used for medical purposes."
takes one away: a custom license. Sentences are our own wording; full texts are read from
the corpus.
"""

from __future__ import annotations

import pytest

from licscan.identify import identify_text
from licscan.identify.result import IDENTIFIED, UNKNOWN
from licscan.rulepack import RulePack, load_rulepack
from tests.test_identify import read


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_rulepack()


DISCLAIMERS = [
    "This model is not intended for medical use.",
    "The model is not intended to be used for medical diagnosis.",
    "Its outputs should not be relied on for legal advice.",
    "The model should not be relied upon for medical decisions.",
    "The model is not designed for use in safety-critical systems.",
    "This model is not meant for clinical use.",
    "The model is not suitable for financial advice.",
    "The model is not a substitute for professional medical advice.",
    "It has not been evaluated for use in high-risk settings.",
    "The model is not intended to provide medical advice and has not been tested for "
    "clinical use.",
    "This model was not designed or tested for use in healthcare applications.",
    "The outputs are not intended as professional advice and should not be relied upon.",
]

RESTRICTIONS = [
    "This model may not be used for medical purposes.",
    "Use for medical diagnosis is prohibited.",
    "The model is licensed only for non-commercial use.",
    "The model is not intended for commercial use.",
    "The model must not be used for medical advice.",
    "The weights are not licensed for medical use.",
    "Not intended or licensed for use in medical devices.",
    "Not for use in medical devices.",
    "This model is not intended for use in the EU.",
    "Medical use is not permitted.",
    "The model is intended only for research.",
    "This model should not be used for commercial purposes.",
    "It is not intended for, and may not be used for, medical diagnosis.",
    "The model is not intended for production use and may only be used for evaluation.",
    "This model is not intended for use by companies with more than 50 employees.",
    "The model is not intended for use by minors.",
    "The model is not designed for use outside the United States.",
    "The MIT License does not make this model suitable for use in hospitals; it is not "
    "licensed for that.",
]

# A disclaimer that names a commercial field (products, services, income, customers, a sale
# ...) takes the commercial right away, whatever its wording: a restriction (issue 11).
COMMERCIAL_DISCLAIMERS = [
    "This model is not intended for use in products or services; contact us for a product "
    "license.",
    "The weights are not intended for use in products or services of any kind.",
    "The model is not meant for use in any product or service made available to third "
    "parties.",
    "The weights are not intended for monetization.",
    "It is not intended for uses that generate income.",
    # our own attacker phrasings
    "The weights are not intended to be sold or resold.",
    "The model is not meant for any revenue-generating activity.",
    "This model is not designed for business use.",
    "The model is not intended for deployment to customers.",
    "It is not intended for integration into software offered for sale.",
    "The model is not meant for use in production systems.",
    "The weights were not intended for use in applications offered to the public.",
    "This model is not intended for use in any service operated for profit.",
    "The model is not designed to be offered as a hosted service.",
    "It is not designed to be used to make money.",
    "The model is not suitable for integration into commercial offerings.",
    "The model is not meant for use in client work.",
    "Not intended for use in any app or platform available to consumers.",
    "The model is not intended for financial gain.",
]
# "no use but X" worded as a disclaimer
RESTRICTIONS += [
    "It is not intended for any use beyond the scientific study of language models.",
    "The model is not intended for any use other than teaching.",
    "The weights are not meant for use except in classrooms.",
]

# the issue asks for at least ten phrasings each way (a guard on the data, not a test)
assert len(set(DISCLAIMERS)) >= 10 and len(set(RESTRICTIONS)) >= 10
assert len(set(COMMERCIAL_DISCLAIMERS)) >= 15


@pytest.mark.parametrize("sentence", DISCLAIMERS)
@pytest.mark.parametrize("base", ["Apache License 2.0.", "This model is released under the "
                                  "MIT License."])
def test_an_intended_use_disclaimer_next_to_a_reference_keeps_the_license(
        pack: RulePack, sentence: str, base: str) -> None:
    result = identify_text(base + " " + sentence, pack, "LICENSE")
    assert result.status == IDENTIFIED, (result.reason, result.qualifiers)
    assert not result.qualifiers


@pytest.mark.parametrize("sentence", DISCLAIMERS)
def test_an_intended_use_disclaimer_after_a_full_text_keeps_the_license(
        pack: RulePack, sentence: str) -> None:
    result = identify_text(read("mit.txt") + "\n\n" + sentence + "\n", pack, "LICENSE")
    assert result.status == IDENTIFIED, (result.reason, result.qualifiers)
    assert [m.rule_id for m in result.matches] == ["mit"]


@pytest.mark.parametrize("sentence", RESTRICTIONS + COMMERCIAL_DISCLAIMERS)
@pytest.mark.parametrize("base", ["Apache License 2.0.", "This model is released under the "
                                  "MIT License."])
def test_a_restriction_next_to_a_reference_is_a_custom_license(
        pack: RulePack, sentence: str, base: str) -> None:
    result = identify_text(base + " " + sentence, pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert result.qualifiers


@pytest.mark.parametrize("sentence", RESTRICTIONS + COMMERCIAL_DISCLAIMERS)
def test_a_restriction_after_a_full_text_is_a_custom_license(pack: RulePack,
                                                             sentence: str) -> None:
    result = identify_text(read("mit.txt") + "\n\n" + sentence + "\n", pack, "LICENSE")
    assert result.status == UNKNOWN and not result.matches, result.to_dict()
    assert result.qualifiers
