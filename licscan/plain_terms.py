"""Terms in plain words: the phrases of answers and obligations, and `licscan rules show`.

Each fact is followed by its clause; facts from a secondary source (S) or not found (?) are
marked unverified, so a reader knows which ones to check against the license text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from licscan.model import ModelResult
from licscan.redact import printable
from licscan.rulepack import Rule, RulePack
from licscan.terms import (
    FLAGS_CLAUSE,
    Cite,
    Condition,
    Duty,
    RegionalRestriction,
    Termination,
    Terms,
    terms_of,
)

if TYPE_CHECKING:
    from licscan.terms_in_context import RuleInContext

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


# --- a model's duties, obligations and deciding reasons, for every report format -----------------
#
# Each function takes a ModelResult (a fresh scan) or the JSON form of one model (a saved report),
# so the terminal, HTML, Markdown, SARIF and JSON say the same thing. Unknown stays unknown.

TRIGGERED = "triggered"  # the context triggers the duty (or no context says otherwise)
IF_DISTRIBUTED = "if-distributed"  # a hosted or internal context: only once the model is shipped
IF_DISTRIBUTED_TEXT = "applies only if you distribute the model"
DUTY_FLAGS = ("attribution", "share_alike", "acceptable_use_policy")
FLAG_LABELS = {"attribution": "Attribution owed", "share_alike": "Derivatives keep the license",
               "acceptable_use_policy": "Acceptable use policy binds"}
_NOT_SHIPPED = ("hosted", "internal")
# The obligation kinds that carry out each flag; a yes flag without one gets a row of its own.
_FLAG_KINDS = {
    "attribution": frozenset({"keep_notices", "license_copy", "notice_text", "display",
                              "acknowledge_in_publications"}),
    "share_alike": frozenset({"same_license", "pass_restrictions", "non_commercial_derivatives",
                              "research_only_derivatives"}),
    "acceptable_use_policy": frozenset({"use_policy", "pass_use_policy", "pass_restrictions"})}
_FLAG_DUTIES = {
    "attribution": ("Keep the license and attribution notices with every copy.", "distribution"),
    "share_alike": ("Distribute derivatives only under the same license (or with its "
                    "restrictions).", "a derivative is distributed"),
    "acceptable_use_policy": ("Use the model only as its acceptable use policy allows.",
                              "any use")}


@dataclass(frozen=True)
class ObligationRow:
    """One duty, with whether the context triggers it or it waits for a distribution."""

    id: str
    kind: str
    text: str
    trigger: str
    rule: str
    clause: str
    confidence: str
    applies_when: str  # TRIGGERED | IF_DISTRIBUTED

    @property
    def note(self) -> str:
        return IF_DISTRIBUTED_TEXT if self.applies_when == IF_DISTRIBUTED else ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Reason:
    """One thing that decided a verdict: a short headline in words, and the full text."""

    headline: str
    detail: str
    code: str  # a finding code, "policy" (the verdict reason) or "scan-error"


def flag_words(model: ModelResult | Mapping[str, Any]) -> dict[str, str]:
    """attribution, share_alike, acceptable_use_policy as "yes" | "no" | "unknown".

    A flag is unknown when the license is undetermined, or when no known part of the
    expression sets it and some part is a license licscan has no terms for."""
    if isinstance(model, ModelResult):
        if model.status != "ok" or model.license is None or not model.license.expression:
            return dict.fromkeys(DUTY_FLAGS, "unknown")
        branch = _chosen_branch_flags(model)
        if branch is not None:
            return branch
        partly_unknown = _partly_unknown(model)
        return {key: "yes" if getattr(model.flags, key) is True
                else "unknown" if partly_unknown else "no" for key in DUTY_FLAGS}
    flags, lic = _as_dict(model.get("flags")), _as_dict(model.get("license"))
    undetermined = model.get("status") == "error" or not lic.get("expression")
    words = {}
    for key in DUTY_FLAGS:
        value = flags.get(key)
        words[key] = "yes" if value is True else "no" if value is False and not undetermined \
            else "unknown"
    return words


def _chosen_branch_flags(model: ModelResult) -> dict[str, str] | None:
    """For an expression with OR, the flags of the branch followed (the one whose obligations
    are listed), not of every branch; None for any other expression."""
    from licscan.context_result import result_of

    result = result_of(model)
    if result is None or result.chosen is None:
        return None
    keys = {k.lower() for k in result.branch}
    items = [item for item in result.licenses if item.key.lower() in keys]
    unknown = any(item.rule is None for item in items)
    words = {}
    for key in DUTY_FLAGS:
        found = any(getattr(r.rule.flags, key) is True for item in items for r in item.rules
                    if r.rule.kind != "use-policy")
        words[key] = "yes" if found else "unknown" if unknown else "no"
    return words


def _partly_unknown(model: ModelResult) -> bool:
    from licscan.context_result import result_of  # context_result imports this module

    result = result_of(model)
    if result is None:
        return not (model.license and model.license.rule_ids)
    keys = {k.lower() for k in result.branch}
    return any(item.rule is None for item in result.licenses
               if not keys or item.key.lower() in keys)


def obligation_rows(model: ModelResult | Mapping[str, Any]) -> tuple[ObligationRow, ...]:
    """What the model's license asks: the duties its context triggers, then the distribution
    duties a hosted or internal context does not trigger ("applies only if you distribute the
    model"), then a row for each yes flag no listed duty carries out (derived from the flag)."""
    if isinstance(model, ModelResult):
        rows = [_row(o, TRIGGERED) for o in model.extra.get("obligations") or ()
                if isinstance(o, Mapping)]
        distribution = _distribution(model)
        rows += _untriggered(model, {(r.kind, r.text) for r in rows})
        rule = ", ".join(model.license.rule_ids) if model.license else ""
        return _unique(rows + _flag_rows(flag_words(model), rows, rule, distribution))
    items = [o for o in _as_list(model.get("obligations")) if isinstance(o, Mapping)]
    rows = [_row(o, str(o.get("applies_when") or TRIGGERED)) for o in items]
    if any("applies_when" in o for o in items):  # written by this licscan: complete already
        return tuple(rows)
    rule = ", ".join(str(r) for r in _as_list(_as_dict(model.get("license")).get("rules")))
    return _unique(rows + _flag_rows(flag_words(model), rows, rule, None))


def _row(item: Mapping[str, Any], applies_when: str) -> ObligationRow:
    def text(key: str) -> str:
        value = item.get(key)
        return "" if value is None else str(value)

    when = applies_when if applies_when in (TRIGGERED, IF_DISTRIBUTED) else TRIGGERED
    return ObligationRow(id=text("id"), kind=text("kind"), text=text("text"),
                         trigger=text("trigger"), rule=text("rule"), clause=text("clause"),
                         confidence=text("confidence"), applies_when=when)


def _distribution(model: ModelResult) -> str | None:
    from licscan.context_result import result_of

    result = result_of(model)
    return result.context.distribution if result is not None and result.context else None


_SHIPPED_CACHE: dict[tuple[int, Any], tuple[Any, tuple[RuleInContext, ...]]] = {}


def _untriggered(model: ModelResult, listed: set[tuple[str, str]]) -> list[ObligationRow]:
    """The duties the same licenses would trigger if the model were redistributed."""
    from licscan.context_result import result_of
    from licscan.terms_in_context import combine, evaluate_rule

    result = result_of(model)
    if result is None or result.context is None or \
            result.context.distribution not in _NOT_SHIPPED:
        return []
    shipped = replace(result.context, distribution="redistributed")
    keys = {k.lower() for k in result.branch}
    evaluated: list[RuleInContext] = []
    for item in result.licenses:
        if item.key.lower() not in keys:
            continue
        for in_context in item.rules:
            key = (id(in_context.rule), shipped)
            cached = _SHIPPED_CACHE.get(key)
            if cached is None:
                if len(_SHIPPED_CACHE) > 4096:
                    _SHIPPED_CACHE.clear()
                # the rule is kept with its evaluation, so its id is not reused meanwhile
                cached = _SHIPPED_CACHE[key] = (in_context.rule, (evaluate_rule(
                    in_context.rule, shipped),))
            evaluated.extend(cached[1])
    unique = {e.rule.id: e for e in evaluated}
    full = combine(list(unique.values())).obligation_items
    return [_row(asdict(o), IF_DISTRIBUTED) for o in full if (o.kind, o.text) not in listed]


def _flag_rows(words: Mapping[str, str], rows: list[ObligationRow], rule: str,
               distribution: str | None) -> list[ObligationRow]:
    kinds = {r.kind for r in rows}
    out = []
    for key in DUTY_FLAGS:
        if words.get(key) != "yes" or kinds & _FLAG_KINDS[key]:
            continue
        text, trigger = _FLAG_DUTIES[key]
        when = IF_DISTRIBUTED if key != "acceptable_use_policy" and \
            distribution in _NOT_SHIPPED else TRIGGERED
        out.append(ObligationRow(id=f"{rule or 'license'}/flag-{key}", kind=key, text=text,
                                 trigger=trigger, rule=rule, clause=FLAGS_CLAUSE,
                                 confidence="?", applies_when=when))
    return out


def _unique(rows: list[ObligationRow]) -> tuple[ObligationRow, ...]:
    seen: set[str] = set()
    out = []
    for row in rows:
        rid, n = row.id, 1
        while rid in seen:
            n += 1
            rid = f"{row.id}/{n}"
        seen.add(rid)
        out.append(row if rid == row.id else replace(row, id=rid))
    return tuple(out)


# --- what decided a verdict ----------------------------------------------------------------------

_HEADLINES = {
    "license-mismatch": "The card contradicts the files",
    "license-unresolved": "The license could not be determined",
    "license-text-modified": "The license text was changed where it matters",
    "license-text-unidentified": "A license file is not a text licscan knows",
    "license-file-unreadable": "A license file could not be read",
    "license-file-missing": "No license file is shipped",
    "declared-license-missing": "The card declares no license",
    "card-invalid": "The model card does not parse",
    "card-missing": "The model has no card metadata",
    "unknown-license-id": "The card names a license id licscan does not know",
    "license-name-unknown": "The card names a license licscan does not know",
    "license-from-link": "The license was read from the card's link only",
    "license-list": "The card lists several licenses; all apply",
    "gpl-version-ambiguous": "The GPL version is ambiguous",
    "gated-repo": "The repository is gated",
    "lineage-unresolved": "A base model could not be scanned",
    "lineage-license-conflict": "An ancestor's license conflicts with the declared one",
    "lineage-naming": "The name breaks the base license's naming rule",
    "lineage-restrictions-not-passed": "The base model's use restrictions are not passed on",
    "dataset-unresolved": "A training dataset could not be scanned",
    "dataset-license": "A training dataset's license restricts use",
    "waiver-expired": "A waiver for the model has expired",
    "license-file-truncated": "A license file was read only in part",
    "card-restricts-use": "The card restricts use beyond its declared license",
    "license-custom": "A custom license applies, not the base license",
    "license-link-restricted": "The card's license link points at a non-commercial license",
    "scan-incomplete": "Part of the model was not read",
}
# Sharper headlines where the message has a known shape; the generic one otherwise.
_SHAPES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("lineage-naming", re.compile(r"derivatives of (?P<base>\S+) \((?P<lic>[^()]+)\) must be "
                                  r"named with the prefix '(?P<prefix>[^']*)'"),
     "The name breaks {lic}'s naming rule (must begin with '{prefix}')"),
    ("lineage-license-conflict", re.compile(r"derives from (?P<base>\S+) \((?P<lic>[^()]+)\)"),
     "An ancestor's license conflicts: {base} is under {lic}"),
    ("dataset-license", re.compile(r"training dataset (?P<ds>\S+): its license \((?P<lic>[^()]+)"
                                   r"\) does not allow commercial use"),
     "Training data is non-commercial: {ds} ({lic})"),
    ("license-mismatch", re.compile(r"the card declares (?P<card>\S+?),? but .*?names "
                                    r"(?P<files>[^;]+)"),
     "The card contradicts the files: the card says {card}, the files name {files}"),
)
_CLAUSE_TAIL = re.compile(r"\s*\((?:§|grant|clause)[^()]*(?:\([^()]*\)[^()]*)*\)\.?$")


def finding_headline(code: str, message: str) -> str:
    """A finding in a few words, e.g. "Training data is non-commercial: acme/x (CC-BY-NC-4.0)"."""
    for shape_code, pattern, template in _SHAPES:
        if code == shape_code:
            found = pattern.search(message)
            if found:
                return template.format(**found.groupdict())
    return _HEADLINES.get(code) or _sentence_case(message) or code


def deciding_reasons(model: ModelResult | Mapping[str, Any]) -> tuple[Reason, ...]:
    """What decided a review or deny verdict (or kept a model from being scanned), in words,
    worst first: the policy's reason unless a finding is it, then every finding that asks for
    review or denial. Empty for an allowed model."""
    view = _model_view(model)
    if view["status"] == "error":
        kind = view["error_kind"] or "error"
        return (Reason(f"Could not be scanned ({kind})", view["error_message"] or kind,
                       "scan-error"),)
    if view["verdict"] not in ("review", "deny"):
        return ()
    findings = sorted((f for f in view["findings"] if f[1] in ("review", "deny")),
                      key=lambda f: f[1] != "deny")
    core = view["reason"]
    expression = view["expression"]
    if expression and " " in expression and core.startswith(f"{expression}: "):
        core = core[len(expression) + 2:]
    reasons: list[Reason] = []
    named = next((f for f in findings if core.startswith(f"{f[0]}: {f[2]}") or core == f[2]),
                 None)
    if core and named is None:
        code = core.split(":", 1)[0]
        headline = finding_headline(code, core[len(code) + 2:]) if code in _HEADLINES \
            else _sentence_case(_CLAUSE_TAIL.sub("", core))
        reasons.append(Reason(headline, core, "policy"))
    elif named is not None:
        findings.remove(named)
        findings.insert(0, named)
    reasons += [Reason(finding_headline(code, message), message, code)
                for code, _severity, message in findings]
    if not reasons:
        reasons.append(Reason("No reason was recorded", "", "policy"))
    return tuple(reasons)


def main_condition(model: ModelResult | Mapping[str, Any]) -> str:
    """The one thing a reader should know first about using a model: why it is denied, its
    first condition, else its first duty (marked when it applies only once the model is
    distributed). Read from `obligation_rows`, so it never disagrees with the obligations."""
    view = _model_view(model)
    if view["status"] == "error":
        return f"Could not be scanned ({view['error_kind'] or 'error'})"
    if view["verdict"] == "deny" and view["reason"]:
        return str(view["reason"])
    conditions = model.extra.get("conditions") if isinstance(model, ModelResult) \
        else model.get("conditions")
    for condition in _as_list(conditions)[:1]:
        text = condition.get("text") if isinstance(condition, Mapping) else condition
        if text:
            return _str(text)
    rows = obligation_rows(model)
    now = next((r for r in rows if r.applies_when != IF_DISTRIBUTED), None)
    if now is not None:
        return now.text
    if not view["expression"]:
        return "License unknown: review the evidence"
    if rows:
        return f"{rows[0].text} ({IF_DISTRIBUTED_TEXT})"
    return "None found"


_VERDICT_ORDER = {"deny": 0, "review": 1, "allow": 2}


def severity_key(model: ModelResult | Mapping[str, Any]) -> tuple[int, int]:
    """Worst first: deny, review, allow; within each, a model that could not be scanned, then
    one whose license is unknown, then the rest (a gate must never hide the unknown)."""
    view = _model_view(model)
    order = _VERDICT_ORDER.get(view["verdict"], 1)
    known = 0 if view["status"] == "error" else 1 if not view["expression"] else 2
    return order, known


def _model_view(model: ModelResult | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(model, ModelResult):
        return {"status": model.status, "verdict": model.verdict,
                "reason": model.verdict_reason or "",
                "expression": model.license.expression if model.license else None,
                "error_kind": model.error.kind if model.error else "",
                "error_message": model.error.message if model.error else "",
                "findings": [(f.code, f.severity, f.message) for f in model.findings]}
    error, lic = _as_dict(model.get("error")), _as_dict(model.get("license"))
    findings = [_as_dict(f) for f in _as_list(model.get("findings"))]
    verdict = model.get("verdict")
    return {"status": "error" if model.get("status") == "error" else "ok",
            "verdict": verdict if verdict in _VERDICT_ORDER else "review",
            "reason": _str(model.get("verdict_reason")),
            "expression": _str(lic.get("expression")) or None,
            "error_kind": _str(error.get("kind")), "error_message": _str(error.get("message")),
            "findings": [(_str(f.get("code")), _str(f.get("severity")), _str(f.get("message")))
                         for f in findings]}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def flag_scopes(model: ModelResult | Mapping[str, Any]) -> dict[str, str]:
    """Per yes flag: IF_DISTRIBUTED_TEXT when every duty carrying it out applies only once the
    model is distributed (a hosted or internal context), else ""; "" for no and unknown."""
    words, rows = flag_words(model), obligation_rows(model)
    scopes = {}
    for key in DUTY_FLAGS:
        carried = [r for r in rows if r.kind in _FLAG_KINDS[key] or r.kind == key]
        scopes[key] = IF_DISTRIBUTED_TEXT if words[key] == "yes" and carried and all(
            r.applies_when == IF_DISTRIBUTED for r in carried) else ""
    return scopes
