"""Under an intended-use heading a card limits use where it names a field of selling or earning
("not intended for resale", "must not be used in paid applications") or of products, services,
SaaS, business use or customer-facing deployment ("not intended for use in products or
services"), unless that field is qualified as a safety or device context ("safety-critical
products", "real-time services", "products that make hiring decisions", "without human
review"). Production and deployment alone are what safety wording there disclaims ("not
intended for production use without further safety testing"), and an Apache-2.0 model stays
allowed. Under a license or terms heading the wider reading stays
(tests/test_gate_card_disclaimers.py). Through `licscan scan FOLDER --format json` with a
commercial context; the sentences are our own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_gate_common import CARD_APACHE, codes, scan, write_tree

SAFETY_WORDING = [
    "This model is not intended for production use without further safety testing.",
    "The model is not designed for use in safety-critical products such as medical devices.",
    "The weights are not intended for deployment on mobile devices.",
    "Not suitable for services that make decisions about people without human review.",
    "The model is not intended for deployment in production systems without human oversight.",
    "It is not meant for use in consumer products aimed at children.",
    "The model should not be deployed in applications where errors could cause harm.",
    "This checkpoint is not designed for production workloads; latency was not optimised.",
    "Not intended for use in customer service without moderation.",
    "The model is not intended for deployment on edge devices or embedded platforms.",
    "It must not be used in products that make hiring decisions.",
    "The model is not built for real-time services.",
]

# a safety, care, device or audience context qualifies the product or service disclaimed
QUALIFIED_FIELD = [
    "The model is not intended for use in medical products.",
    "Not designed for clinical decision support services.",
    "The model is not intended for high-risk products as defined by applicable regulation.",
    "It is not meant for embedded products with limited memory.",
    "The model is not suitable for services aimed at minors.",
    "The model is not intended for life-critical products or services.",
]

# a field of products, services or business, unqualified: a research-only card's signal
PRODUCT_FIELD = [
    "This model is not intended for integration into products.",
    "The checkpoint is not meant for use in SaaS platforms or hosted services.",
    "Not intended for business purposes.",
    "The model is not designed for customer-facing services.",
    "It should not be used in software products or online services; it is a research artifact.",
    "The model is not intended for products or services, nor for safety-critical systems.",
]

MONETISING = [
    "This model is not intended for commercial use.",
    "Not intended for resale.",
    "The model must not be used in paid applications.",
    "It is not meant for monetization.",
    "The model is not designed for revenue-generating services.",
    "Not intended for uses that generate income.",
    "The weights must not be sold or included in products for sale.",
    "This model is not intended for for-profit use.",
    "The model is not licensed for use in subscription services.",
    "Not for use in products offered for a fee.",
    "The model is not intended for commercial deployment.",
    "This model should not be used in commercial products.",
]


def _model(tmp_path: Path, heading: str, sentence: str) -> dict[str, Any]:
    folder = write_tree(tmp_path / "m", {"README.md": f"{CARD_APACHE}\n## {heading}\n\n"
                                                      f"{sentence}\n"})
    run = scan(tmp_path, str(folder))
    return run.model()


@pytest.mark.parametrize("heading", ["Intended use", "Intended Uses & Limitations"])
@pytest.mark.parametrize("sentence", SAFETY_WORDING + QUALIFIED_FIELD)
def test_safety_wording_under_intended_use_restricts_nothing(tmp_path: Path, heading: str,
                                                              sentence: str) -> None:
    model = _model(tmp_path, heading, sentence)
    assert "card-restricts-use" not in codes(model), model["findings"]
    assert model["verdict"] == "allow", model


@pytest.mark.parametrize("sentence", MONETISING + PRODUCT_FIELD)
def test_a_monetising_or_product_field_under_intended_use_is_a_restriction(
        tmp_path: Path, sentence: str) -> None:
    model = _model(tmp_path, "Intended use", sentence)
    assert model["verdict"] == "review", model
    [finding] = [f for f in model["findings"] if f["code"] == "card-restricts-use"]
    assert sentence.rstrip(".") in finding["message"]


@pytest.mark.parametrize("sentence", SAFETY_WORDING[:3])
def test_under_a_license_heading_products_and_deployment_still_restrict(tmp_path: Path,
                                                                        sentence: str) -> None:
    """The wider reading stays where the card states its terms."""
    model = _model(tmp_path, "License", sentence)
    assert "card-restricts-use" in codes(model), model["findings"]
    assert model["verdict"] == "review", model
