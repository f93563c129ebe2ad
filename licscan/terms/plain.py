"""Terms in plain words: the phrases of answers and obligations, and `licscan rules show`.

What a report says of one model (duty flags, obligations, deciding reasons) is
`licscan.report.model_view`.

Each fact is followed by its clause; facts from a secondary source (S) or not found (?) are
marked unverified, so a reader knows which ones to check against the license text.
"""

from __future__ import annotations

from collections.abc import Mapping

from licscan.redact import printable
from licscan.rulepack import Rule, RulePack
from licscan.terms.typed import (
    FLAGS_CLAUSE,
    Cite,
    Condition,
    Duty,
    RegionalRestriction,
    Termination,
    Terms,
    terms_of,
)

_MARKS = {"P-card": " [model card]", "S": " [unverified: secondary source]",
          "?": " [unverified: not found in the text]"}
_METRICS = {"monthly_active_users": "monthly active users",
            "daily_active_users": "daily active users"}
_BASIS = {"non_commercial": "non-commercial use only", "research_only": "research use only",
          "non_production": "non-production use only (testing, research, evaluation)",
          "computational_use_only": "computational use only"}
_EXCEEDED = {
    "separate_license_required": "a separate license from the licensor is needed, which the "
                                 "licensor may grant or refuse; no rights until it is granted",
    "license_terminates": "the license terminates",
    "royalty": "a royalty is owed to the licensor",
    "display_duty": "a display duty applies"}
_DUTIES = {
    "license_copy": "Give recipients a copy of the {name}.",
    "keep_notices": "Keep the copyright and license notices in every copy.",
    "pass_restrictions": "Include the license's use restrictions as an enforceable provision in "
                         "your own terms, and tell recipients they apply.",
    "same_license": "Distribute it and its derivatives only under the {name} (or with its "
                    "restrictions).",
    "modification_notices": "Mark modified files with a prominent notice that you changed them.",
    "acknowledge_in_publications": "Acknowledge the use of the materials in publications.",
    "disclose_ai_generation": "Disclose that outputs are AI-generated where the law requires it.",
    "content_filters": "Run content filters (or review outputs) against unlawful or infringing "
                       "content.",
    "pass_disclaimers": "Pass on disclaimer and liability terms at least as protective as the "
                        "license's.",
    "explanatory_documentation": "Keep and extend the model's Explanatory Documentation.",
    "research_only_derivatives": "Use derivatives, and let others use them, for research only.",
    "non_commercial_derivatives": "Use derivatives, and let others use them, for non-commercial "
                                  "purposes only."}
_TERMINATION = {
    "ip_suit": "ends if you sue alleging the materials (or outputs) infringe your IP",
    "patent_suit": "ends if you bring a patent claim over the materials",
    "copyright_suit": "ends if you bring a copyright claim over the materials",
    "breach": "can end on breach",
    "at_will": "the licensor may end it at any time, on notice",
    "guardrail_bypass": "ends automatically if you bypass or disable safety guardrails",
    "revenue_exceeded": "ends when the revenue threshold is exceeded"}
_DERIVATIVES = {"fine_tuning": "fine-tuning", "quantization": "quantization",
                "adapters": "adapters", "merges": "merges", "distillation": "distillation",
                "synthetic_data": "training on generated synthetic data",
                "outputs_training": "models trained on its outputs"}
_OUTPUT_TRAINING = {
    "allowed": "allowed", "prohibited": "prohibited",
    "attribution": "allowed, with the naming or attribution duty",
    "derivative": "a model trained on the outputs is a derivative (all derivative duties apply)",
    "research_only": "research only", "unknown": "unknown"}


def mark(cite: Cite) -> str:
    return _MARKS.get(cite.confidence, "")


_FROM_FLAGS = "[unverified: derived from the rule's flags]"


def cited(sentence: str, cite: Cite) -> str:
    """A sentence with its clause reference and, when not read in the text, a warning."""
    if cite.clause == FLAGS_CLAUSE:
        return f"{sentence} {_FROM_FLAGS}"
    return f"{sentence} ({cite.clause}){mark(cite)}"


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def regions_text(regions: tuple[str, ...] | list[str]) -> str:
    return ", ".join(regions) or "(no region named)"


def condition_text(condition: Condition) -> str:
    """What a condition requires, e.g. "fewer than 700,000,000 monthly active users
    (licensee and affiliates) on 2024-07-23"."""
    kind = condition.type
    if kind in ("users_threshold", "revenue_threshold"):
        return _threshold_text(condition)
    url = f" ({condition.url})" if condition.url else ""
    return {
        "registration": f"registration with the licensor before commercial use{url}",
        "application": f"an approved application to the licensor{url}",
        "acceptance": f"acceptance of the agreement{url}",
        "region": f"not established in {regions_text(condition.regions)}",
        "not_service_provider": "not being a software or cloud service provider",
        "hosted_service": "no hosted service without a separate license",
    }.get(kind, condition.text or kind)


def _threshold_text(condition: Condition) -> str:
    who = " (licensee and affiliates)" if condition.affiliates else ""
    when = ""
    if condition.measured == "at_release":
        when = f" on {condition.as_of}" if condition.as_of else " on the release date"
    if condition.type == "users_threshold":
        if condition.threshold is None:
            return "a user limit the rule pack does not record"
        metric = _METRICS.get(condition.metric or "", "monthly active users")
        limit = f"{number(condition.threshold)} {metric}"
    else:
        if condition.amount is None:
            return "a revenue limit the rule pack does not record"
        period = "monthly" if condition.period == "monthly" else "annual"
        limit = f"{condition.currency or 'USD'} {number(condition.amount)} {period} revenue"
    if condition.exceeded == "display_duty":
        return f"a display duty above {limit}{who}{when}"
    return f"fewer than {limit}{who}{when}"


def basis_text(basis: str | None) -> str:
    return _BASIS.get(basis or "", basis or "a limited purpose only")


def exceeded_text(condition: Condition) -> str:
    return _EXCEEDED.get(condition.exceeded or "", "the license does not say what follows")


def measurement_text(condition: Condition) -> str:
    """How a threshold is measured, which changes what the user must compare."""
    parts = []
    if condition.measured == "at_release":
        date = f" ({condition.as_of})" if condition.as_of else ""
        parts.append(f"is measured once, at the version's release date{date}, not against "
                     f"today's figures")
    elif condition.measured == "continuous":
        parts.append("applies at any time")
    if condition.affiliates:
        counted = "users" if condition.type == "users_threshold" else "revenue"
        parts.append(f"counts the {counted} of affiliates too")
    return f"The threshold {'; it '.join(parts)}." if parts else ""


def duty_text(duty: Duty, license_name: str) -> str:
    """The duty as an instruction."""
    if duty.type == "notice_text":
        if not duty.text:
            return "Keep an attribution notice naming the licensor."
        return f'Ship a "Notice" text file with: "{duty.text}"' + _full_stop(duty.text)
    if duty.type == "display":
        return f'Display "{duty.text or "the attribution"}" prominently with the product.'
    if duty.type == "naming_prefix":
        return (f'Begin the name of any distributed model built with it with '
                f'"{duty.prefix or "?"}".')
    template = _DUTIES.get(duty.type)
    if template is None:
        return duty.text or duty.type
    text = template.format(name=license_name)
    return f"{text[:-1]}: {duty.text}." if duty.text else text


def _full_stop(text: str) -> str:
    return "" if text.endswith(".") else "."


def regional_text(restriction: RegionalRestriction) -> str:
    where = regions_text(restriction.regions)
    models = " for multimodal models" if restriction.models == "multimodal" else ""
    separate = restriction.effect == "separate_license_required"
    if restriction.who == "developers":
        effect = "need a separate license" if separate else "get no license"
        return (f"developers established in {where} {effect}{models} (end users of a product "
                f"built with the model are not affected)")
    if separate:
        return f"anyone established in {where} needs a separate license{models}"
    return f"no one established in {where} is licensed{models}: the territory excludes it"


def regional_condition_text(restriction: RegionalRestriction) -> str:
    only = " (multimodal models only)" if restriction.models == "multimodal" else ""
    who = "developers " if restriction.who == "developers" else ""
    return f"{who}not established in {regions_text(restriction.regions)}{only}"


def termination_text(termination: Termination) -> str:
    return _TERMINATION.get(termination.trigger, termination.trigger)


# --- licscan rules show ------------------------------------------------------------------------


def explain_rule(rule: Rule, pack: RulePack) -> str:
    """A rule's terms in plain words, with section references."""
    terms = terms_of(rule)
    lines = _header(rule)
    if terms.derived_from_category:
        lines.append("No hand-written terms in the rule pack: what follows are the defaults of "
                     f"its SPDX category '{terms.derived_from_category}', unverified.")
    elif terms.derived_from_flags:
        lines.append("No detailed terms in the rule pack: what follows is derived from the "
                     "rule's flags and is unverified.")
    body = _use_lines(terms) + _modification_lines(rule, terms) + _distribution_lines(rule, terms)
    body += _policy_lines(rule, terms, pack) + _other_lines(terms)
    if terms.derived_from_category:  # say where the facts come from, not "the rule's flags"
        body = [line.replace(_FROM_FLAGS, f"[unverified: from its SPDX category "
                                          f"'{terms.derived_from_category}']") for line in body]
    lines += body
    lines += [f"Sources: {'; '.join(_source_text(s) for s in rule.sources) or 'none'}"]
    if rule.notes:
        lines.append(f"Notes: {rule.notes}")
    lines.append("Facts marked [unverified] come from a secondary source or were not found; "
                 "check them against the license text.")
    return printable("\n".join(lines))


def _header(rule: Rule) -> list[str]:
    facts = [rule.kind, rule.category]
    if rule.version:
        facts.append(f"version {rule.version}")
    if rule.released:
        facts.append(f"released {rule.released}")
    lines = [f"{rule.id} — {rule.name}", "  " + ", ".join(facts) + f"; {rule.expression_id}"]
    links = [f"Hub ids: {', '.join(rule.hub_ids)}"] if rule.hub_ids else []
    links += [f"supersedes {rule.supersedes}"] if rule.supersedes else []
    links += [f"use policy: {rule.use_policy}"] if rule.use_policy else []
    return lines + (["  " + "; ".join(links)] if links else []) + [""]


def _use_lines(terms: Terms) -> list[str]:
    use = terms.commercial_use
    lines = [cited(f"Commercial use: {use.value}", use.cite)]
    if use.basis:
        lines.append(f"  - permitted: {basis_text(use.basis)}")
    for condition in use.conditions:
        scope = " Applies to all use, not only commercial use." \
            if condition.applies_to == "all_use" else ""
        consequence = "" if condition.type not in ("users_threshold", "revenue_threshold") \
            else f"; otherwise {exceeded_text(condition)}. {measurement_text(condition)}".rstrip()
        detail = f" ({condition.text})" if condition.text else ""
        lines.append("  - " + cited(f"Requires {condition_text(condition)}{consequence}"
                                    f"{scope}{detail}", condition.cite))
    return lines


def _modification_lines(rule: Rule, terms: Terms) -> list[str]:
    modification = terms.modification
    lines = [cited(f"Modification: {modification.value}", modification.cite)]
    if modification.derivative_includes:
        kinds = ", ".join(_DERIVATIVES.get(k, k) for k in modification.derivative_includes)
        lines.append(f"  Derivatives include: {kinds}.")
    return lines + [_duty_line(duty, rule.name) for duty in modification.duties]


def _distribution_lines(rule: Rule, terms: Terms) -> list[str]:
    distribution = terms.distribution
    lines = [cited(f"Distribution: {distribution.value}", distribution.cite)]
    if distribution.hosted_service_is_distribution:
        lines.append("  Offering it as a hosted service counts as distribution.")
    return lines + [_duty_line(duty, rule.name) for duty in distribution.duties]


def _duty_line(duty: Duty, license_name: str) -> str:
    when = f" When: {duty.trigger}." if duty.trigger else ""
    return "  - " + cited(duty_text(duty, license_name) + when, duty.cite)


def _policy_lines(rule: Rule, terms: Terms, pack: RulePack) -> list[str]:
    lines: list[str] = []
    policy = terms.acceptable_use_policy
    if policy is not None:
        how = ["incorporated into the license" if policy.incorporated else "referenced",
               "the licensor can change it" if policy.updatable else ""]
        url = f" <{policy.url}>" if policy.url else ""
        lines.append(cited(f"Use policy: {policy.name}{url}, "
                           + ", ".join(h for h in how if h), policy.cite))
    regional = list(terms.regional)
    policy_id = rule.use_policy or (policy.rule if policy else None)
    policy_rule = pack.get(policy_id) if policy_id and policy_id != rule.id else None
    if policy_rule is not None:
        seen = {_regional_key(r) for r in regional}
        regional += [r for r in terms_of(policy_rule).regional if _regional_key(r) not in seen]
    lines += ["  - " + cited(f"Regional: {regional_text(r)}.", r.cite) for r in regional]
    return lines


def _regional_key(restriction: RegionalRestriction) -> tuple[object, ...]:
    return (restriction.regions, restriction.who, restriction.models, restriction.effect)


def _other_lines(terms: Terms) -> list[str]:
    lines: list[str] = []
    if terms.outputs is not None:
        out = terms.outputs
        training = _OUTPUT_TRAINING.get(out.training_other_models, out.training_other_models)
        lines.append(cited(f"Outputs: training other models — {training}; commercial use of "
                           f"outputs — {out.commercial_use}", out.cite))
    if terms.termination:
        lines.append("Termination: the license "
                     + "; ".join(cited(termination_text(t), t.cite) for t in terms.termination)
                     + ".")
    changes = terms.unilateral_changes
    if changes is not None:
        what = [w for w, on in (("the agreement", changes.agreement),
                                ("the use policy", changes.policy)) if on]
        text = f"the licensor can change {' and '.join(what)} unilaterally" if what \
            else "no unilateral changes"
        if changes.remote_restriction:
            text += "; it may restrict use remotely"
        lines.append(cited(f"Changes: {text}", changes.cite))
    if terms.governing_law:
        lines.append(f"Governing law: {terms.governing_law}")
    return lines


def _source_text(source: object) -> str:
    if isinstance(source, Mapping):
        return f"{source.get('ref', '?')} ({source.get('confidence', '?')})"
    return str(source)
