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
from licscan.verdict import Decision, default_decision

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


def context_decision(model: ModelResult) -> Decision:
    """The default policy, using the context's answer for commercial use when there is one."""
    if model.status == "error":
        reason = model.error.message if model.error else "could not be scanned"
        return Decision("review", f"not scanned: {reason}", "default-policy")
    answer = model.extra.get("context_commercial_use")
    if not answer:
        return default_decision(model.license, model.flags, model.findings)
    flags = replace(model.flags, commercial_use=str(answer))
    decision = default_decision(model.license, flags, model.findings)
    if decision.decided_by == "default-policy" and decision.reason.startswith("commercial use"):
        reasons = [a["reason"] for a in model.extra.get("context_answers") or ()
                   if a.get("answer") == answer and a.get("term") in ("commercial_use",
                                                                      "regional")]
        detail = f" ({reasons[0]})" if reasons else ""
        return Decision(decision.verdict,
                        f"in your context, commercial use is {answer}{detail}",
                        "context:commercial_use")
    return decision
