"""Terms, context answers and obligations for each scanned model (the finalizer of a scan).

Without a context the terms and obligations are still reported; with one, conditional terms
get concrete answers and the default verdict follows the answer for commercial use.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from licscan.context import Context
from licscan.evaluate import evaluate_model
from licscan.model import ModelResult
from licscan.rulepack import RulePack

MULTIMODAL_TASKS = {"image-text-to-text", "any-to-any", "visual-question-answering",
                    "image-to-text", "video-text-to-text", "audio-text-to-text",
                    "document-question-answering", "text-to-image", "image-to-image",
                    "text-to-video", "image-to-video"}
TEXT_TASKS = {"text-generation", "text2text-generation", "fill-mask", "text-classification",
              "token-classification", "question-answering", "summarization", "translation",
              "feature-extraction", "sentence-similarity", "conversational"}


def multimodal_from_card(card: dict[str, Any]) -> bool | None:
    task = card.get("pipeline_tag")
    if isinstance(task, str):
        if task in MULTIMODAL_TASKS:
            return True
        if task in TEXT_TASKS:
            return False
    return None


class Assessor:
    def __init__(self, pack: RulePack, context: Context | None) -> None:
        self.pack = pack
        self.context = context

    def __call__(self, model: ModelResult) -> ModelResult:
        if model.license is None or not model.license.rule_ids:
            return model
        rules = [r for rid in model.license.rule_ids if (r := self.pack.get(rid)) is not None
                 and r.kind in ("license", "use-policy")]
        if not rules:
            return model
        card = model.extra.get("card")
        multimodal = multimodal_from_card(card) if isinstance(card, dict) else None
        evaluation = evaluate_model(rules, self.pack, self.context, multimodal=multimodal)
        extra = dict(model.extra)
        extra.update(evaluation.to_dict())
        extra["context_commercial_use"] = evaluation.commercial_use if self.context else None
        return replace(model, extra=extra)

