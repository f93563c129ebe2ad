"""A disclaimer that names a commercial field ("not intended for products", "not designed for
use in commercial services", "must not be used in paid applications") under a license, terms or
intended-use heading limits the field of use: a `card-restricts-use` passage, and a commercial
context is not allowed. Under an intended-use heading products, services, SaaS and business use
count unless qualified as a safety or device context ("safety-critical products", "real-time
services"; tests/test_card_intended_use.py), and production or deployment alone do not. A
disclaimer of a field of care or risk ("not intended for medical use") stays a disclaimer.
Through `licscan scan FOLDER --format json --no-config` with a commercial context; the sentences
are our own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_gate_common import codes, scan_card

HEADINGS = ["License", "Terms of Use", "Intended Use"]

MONETISING_FIELD = [
    "The weights are not designed for commercial services.",
    "This model is not meant to be used in paid applications.",
    "Not intended for resale or redistribution.",
    "It is not intended for monetization.",
    "The model is not intended for uses that generate income.",
    "The model must not be used in products sold to customers.",
    "Not for sale.",
]

# a field of products, services or business: a restriction under an intended-use heading too
# (a research-only card saying so is a signal a reviewer must see)
PRODUCT_FIELD = [
    "This model is not intended for products.",
    "The model is not intended for use in products or services.",
    "The model is not intended for deployment in customer-facing products.",
    "This model is not licensed for use in SaaS offerings.",
    "The model is not intended for business use.",
]

OTHER_FIELD = [
    "This model is not intended for medical use.",
    "The model is not intended for medical applications.",
    "This model is not designed for safety-critical applications.",
    "The model is not intended to provide legal advice.",
    "The model is not intended for use in high-risk settings such as healthcare.",
    "This model is intended for use in products and services.",
    "The model is not a substitute for professional advice.",
    "Outputs are not intended to be factual.",
]



@pytest.mark.parametrize(("heading", "sentence"),
                         [(h, s) for h in HEADINGS for s in MONETISING_FIELD]
                         + [(h, s) for h in HEADINGS for s in PRODUCT_FIELD])
def test_a_disclaimer_naming_a_commercial_field_is_a_restriction(tmp_path: Path, heading: str,
                                                                 sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## {heading}\n\n{sentence}\n")
    assert model["verdict"] == "review", model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert sentence.rstrip(".") in finding["message"]
    [quoted] = [e for e in finding["evidence"] if e["kind"] == "readme-text"]
    assert quoted["path"] == "README.md" and quoted["line"] == 10  # the sentence's line


@pytest.mark.parametrize(("heading", "sentence"),
                         [(h, s) for h in HEADINGS for s in OTHER_FIELD])
def test_a_disclaimer_of_another_field_is_no_restriction(tmp_path: Path, heading: str,
                                                        sentence: str) -> None:
    model = scan_card(tmp_path, f"\n## {heading}\n\n{sentence}\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


def test_outside_a_terms_section_a_disclaimer_stays_a_disclaimer(tmp_path: Path) -> None:
    """Under a heading that is not about license, terms or intended use, "not intended for
    products" describes (as "not intended for commercial use" there does)."""
    model = scan_card(tmp_path, "\n## Evaluation\n\nThis model is not intended for products.\n")
    assert "card-restricts-use" not in codes(model), model["findings"]
