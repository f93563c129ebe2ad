"""From claim and evidence to a conclusion: the license expression, its flags, the findings.

Full license texts outweigh the card; references (a README sentence, a NOTICE line) confirm a
claim or resolve `other`, but never overrule a text. When card and files disagree, both apply
(`AND`) and the stricter terms win, with a `license-mismatch` finding naming both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from licscan import expression as spdx
from licscan.evidence.card import (
    MAX_SECTIONS,
    decode_text,
    mentions_restriction,
    parse_card,
    restricting_sentences,
    terms_sections,
    unread_terms_sections,
)
from licscan.evidence.collect import (
    FileEvidence,
    Identifier,
    TextIdentifier,
    card_evidence,
    card_restrictions,
    file_evidence,
    readme_evidence,
    text_digest,
)
from licscan.evidence.declared import (
    CUSTOM_NAME_REF,
    DeclaredLicense,
    _match_url,
    normalize_declared,
)
from licscan.model import (
    Declared,
    Evidence,
    FileBlob,
    Finding,
    Flags,
    LicenseConclusion,
    Snapshot,
)
from licscan.rulepack import Rule, RulePack
from licscan.vocab import most_permissive, strictest

if TYPE_CHECKING:  # (identification is passed in, not imported)
    from licscan.identify.result import TextMatch

    Matched = tuple[TextMatch, FileEvidence]  # a text match and the file it was found in

TEXT_MATCHERS = ("exact", "fingerprint", "title")
_NC_URL = re.compile(r"creativecommons\.org/licenses/by-nc", re.IGNORECASE)
FAMILY_MEMBERS = {"openrail": ("responsible-ai",)}


@dataclass(frozen=True)
class Conclusion:
    declared: Declared
    declared_license: DeclaredLicense
    license: LicenseConclusion
    flags: Flags
    rules: tuple[Rule, ...]
    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]


def related(a: Rule, b: Rule) -> bool:
    """Same license, or versions of one license, or a family tag and one of its members."""
    if a.id == b.id:
        return True
    fam_a, fam_b = a.family or a.id, b.family or b.id
    if fam_a == fam_b or a.id == fam_b or b.id == fam_a:
        return True
    for tag, other in ((a, b), (b, a)):
        if tag.kind == "family" and (
                (other.family or "").startswith(tag.id)
                or other.category in FAMILY_MEMBERS.get(tag.id, ())):
            return True
    return False


def flags_for(expression: str | None, pack: RulePack) -> Flags:
    if not expression:
        return Flags()
    parsed = spdx.parse(expression)
    by_expr = pack.by_expression_id

    def leaf(key: str, _exception: str | None) -> Flags:
        rule = by_expr.get(key.lower())
        return rule.flags if rule is not None else Flags()

    def combine(parts: list[Flags], pick: Any) -> Flags:
        return Flags(
            commercial_use=pick([p.commercial_use for p in parts]),
            modification=pick([p.modification for p in parts]),
            distribution=pick([p.distribution for p in parts]),
            attribution=any(p.attribution for p in parts),
            share_alike=any(p.share_alike for p in parts),
            acceptable_use_policy=any(p.acceptable_use_policy for p in parts))

    return spdx.fold(parsed, leaf, lambda ps: combine(ps, strictest),
                     lambda ps: combine(ps, most_permissive))


def _text_matches(items: Iterable[FileEvidence], strong: bool) -> list[Matched]:
    out = []
    for item in items:
        if _qualified(item):  # a custom license: never its base license's terms
            continue
        for match in getattr(item.identification, "matches", ()):
            if (match.matcher in TEXT_MATCHERS) == strong:
                out.append((match, item))
    return out


def _rules_of(matches: Sequence[Matched], pack: RulePack) -> list[Rule]:
    rules: list[Rule] = []
    for match, _item in matches:
        rule = pack.get(match.rule_id)
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules


def _file_findings(files: Sequence[FileEvidence]) -> list[Finding]:
    findings = []
    for item in files:
        blob, ident = item.blob, item.identification
        if blob.status == "gated":
            continue  # reported once for the model
        if blob.status != "ok":
            findings.append(Finding("license-file-unreadable", "review",
                                    f"{blob.path}: {blob.reason}", (item.evidence,)))
        elif blob.truncated:
            findings.append(Finding("license-file-truncated", "review",
                                    f"{blob.path}: {blob.reason}", (item.evidence,)))
        if (blob.status == "ok" and ident is not None and ident.status == "unknown"
                and item.evidence.kind != "notice-file" and not _qualified(item)):
            why = ident.reason or "not a license text licscan knows"
            findings.append(Finding("license-text-unidentified", _unknown_severity(blob),
                                    f"{blob.path}: {why}", (item.evidence,)))
        findings += _modified_findings(item)
    return findings


def _modified_matches(item: FileEvidence) -> list[TextMatch]:
    """The license texts of a file (or README section) that are modified copies of a known one."""
    if _qualified(item):  # a custom license: reported and ANDed in as such
        return []
    if item.identification is None:  # (the file was not readable)
        return []
    return [m for m in item.identification.matches
            if m.status == "modified" and m.matcher in TEXT_MATCHERS]


def _where(item: FileEvidence) -> str:
    return item.blob.path if item.evidence.kind != "readme-text" else \
        f"README.md line {item.evidence.line}"


def _modified_findings(item: FileEvidence) -> list[Finding]:
    """A modified X names X and the passages that differ, each with its line; the evidence is
    the file (path, sha256) with its identification, which holds every difference."""
    findings = []
    # a README section's lines count from the section's first line: shown as README lines
    offset = item.evidence.line - 1 if item.evidence.kind == "readme-text" and \
        item.evidence.line is not None else 0
    for match in _modified_matches(item):
        diffs = [(f"line {d.line + offset}: " if d.line is not None else "")
                 + (d.reason or d.text) for d in match.differences if d.guarded][:3]
        findings.append(Finding(
            "license-text-modified", "review",
            f"{_where(item)} is a modified {match.name}, reviewed as a license of its own"
            + (f": {'; '.join(diffs)}" if diffs else ""), (item.evidence,)))
    return findings


def conclude(snapshot: Snapshot, pack: RulePack, identify: Identifier,
             identify_text: TextIdentifier) -> Conclusion:
    card = snapshot.card_data or {}
    declared = Declared(license=card.get("license"), license_name=_str(card.get("license_name")),
                        license_link=_str(card.get("license_link")))
    dl = normalize_declared(declared.license, declared.license_name, declared.license_link, pack)
    card_ev = card_evidence(snapshot)
    files = file_evidence(snapshot, pack, identify)
    readme = readme_evidence(snapshot, pack, identify_text)
    findings = [Finding(n.code, n.severity, n.message, tuple(card_ev)) for n in dl.notes]
    findings += _file_findings(files)
    findings += [f for item in readme for f in _modified_findings(item)]
    findings += _notice_findings(files)
    custom = _custom_findings([*files, *readme])
    findings += custom
    strong = _text_matches([*files, *_full_texts(readme)], strong=True)
    weak = _text_matches([*files, *readme], strong=False)
    text_rules = _rules_of(strong, pack)
    licenses = [r for r in text_rules if r.kind == "license"]
    policies = [r for r in text_rules if r.kind == "use-policy"]
    declared_rules = [r for r in dl.rules if r.kind in ("license", "family", "marker")]
    license, more = _decide(dl, declared_rules, licenses, policies, strong, weak, card_ev, pack,
                            snapshot.card_problem)
    if custom and license.expression is None:  # the text was found: it is a custom license
        more = [replace(f, message=f.message.replace(
            "no license text was found", "the license text found is a custom license (see "
            "license-custom)")) if f.code == "license-unresolved" else f for f in more]
        license = replace(license, reason=license.reason and license.reason.replace(
            "no license text was found", "the license text found is a custom license"))
    findings += more
    license, more = _link_check(declared.license_link, dl, license, card_ev, pack)
    findings += more
    base = license
    license = _with_unknown_terms(license, files, readme, dl, card_ev)
    findings += _context_findings(snapshot, dl, files, card_ev)
    flags = flags_for(license.expression, pack)
    restricted = card_restrictions(snapshot)
    if restricted and flags_for(base.expression, pack).commercial_use in ("allowed",
                                                                         "conditional"):
        quotes = "; ".join(f"{e.value!r} (README.md line {e.line})" for e in restricted[:3])
        findings.append(Finding(
            "card-restricts-use", "review",
            f"the card declares {base.expression}, which allows commercial use, but its "
            f"README restricts it: {quotes}",
            (*card_ev, *restricted)))
    rules = tuple(r for rid in license.rule_ids if (r := pack.get(rid)) is not None)
    evidence = tuple(card_ev) + tuple(f.evidence for f in files) + \
        tuple(r.evidence for r in readme) + tuple(restricted)
    return Conclusion(declared, dl, license, flags, rules, tuple(findings), evidence)


CUSTOM_REF = "LicenseRef-licscan-custom-"
UNIDENTIFIED_REF = "LicenseRef-licscan-unidentified-"


def unknown_terms_ref(prefix: str, content: str) -> str:
    """A LicenseRef for terms licscan found but has no rule for, named by their content (the
    same text gives the same id in every model and every report)."""
    return _digest_ref(prefix, text_digest(content))


def _digest_ref(prefix: str, digest: str) -> str:
    return prefix + digest[:12]


def _unknown_terms(files: Sequence[FileEvidence], readme: Sequence[FileEvidence],
                   ) -> list[tuple[str, str, Evidence]]:
    """(LicenseRef, what, evidence) for each custom license built on a known one, each
    modified copy of a known license text and each license text that is not identified: their
    terms apply, and licscan does not know them."""
    out: list[tuple[str, str, Evidence]] = []
    for is_file, item in [*((True, f) for f in files), *((False, r) for r in readme)]:
        ident, blob = item.identification, item.blob
        qualifiers = getattr(ident, "qualifiers", ())
        modified = _modified_matches(item)
        if qualifiers:
            out.append((_terms_ref(item), f"the custom license in {_where(item)}",
                        item.evidence))
        elif modified:
            # a modified X is a custom license built on X (one name, one prefix: lineage and
            # the SPDX reports already read it as terms without a rule); X stays beside it
            names = " AND ".join(dict.fromkeys(m.name for m in modified))
            out.append((_terms_ref(item), f"the modified {names} in {_where(item)}",
                        item.evidence))
        elif (is_file and blob.status == "ok" and ident is not None
              and ident.status == "unknown"
              and (_notice_restrictions(item) if item.evidence.kind == "notice-file"
                   else _unknown_severity(blob) == "review")):
            content = blob.sha256 or (blob.data or b"").hex()
            out.append((unknown_terms_ref(UNIDENTIFIED_REF, content),
                        f"the unidentified license text in {blob.path}", item.evidence))
    return out


def _terms_ref(item: FileEvidence) -> str:
    """The LicenseRef of a custom license or a modified license text, named by the whole text
    so that any other text gets another id (the passages identification quotes are cut
    short). A README section: by its own text, whitespace collapsed (the digest its evidence
    carries), so that the rest of the card may change; a section too long to be read whole:
    by the whole README, as a file. A file: by its SHA-256, or without one by its text."""
    if item.section_digest is not None:
        return _digest_ref(CUSTOM_REF, item.section_digest)
    blob = item.blob
    if blob.sha256:
        return unknown_terms_ref(CUSTOM_REF, blob.sha256)
    text = decode_text(blob.data) if blob.data is not None else None
    content = " ".join(text.split()) if text is not None else (blob.data or b"").hex()
    return unknown_terms_ref(CUSTOM_REF, content)


def _with_unknown_terms(license: LicenseConclusion, files: Sequence[FileEvidence],
                        readme: Sequence[FileEvidence],
                        dl: DeclaredLicense | None = None, card_ev: Sequence[Evidence] = (),
                        ) -> LicenseConclusion:
    """A license concluded from the card (or from other files) is never the whole answer when
    a custom license or an unidentified license text was found beside it: their terms are
    ANDed in as LicenseRefs licscan has no terms for, so the policy's `unknown` setting
    decides them and a rule allowing the base license cannot let the model through."""
    if license.expression is None:
        return license
    found = _unknown_terms(files, readme)
    names = [e for e in card_ev if e.field == "license_name"]
    if dl is not None and dl.expression and names:  # a license_name naming a custom license
        found += [(ref, f"the license the card's license_name {names[0].value!r} names",
                   names[0])
                  for ref in re.findall(re.escape(CUSTOM_NAME_REF) + r"[0-9a-f]+",
                                        dl.expression)]
    refs = list(dict.fromkeys(ref for ref, _what, _ev in found))
    if not refs:
        return license
    whats = list(dict.fromkeys(what for _ref, what, _ev in found))
    expr = spdx.combine_and([license.expression, *refs])
    name = " AND ".join(n for n in [license.name, *whats] if n)
    reason = (license.reason + "; " if license.reason else "") + \
        f"{', '.join(whats)} also applies and its terms are unknown to licscan"
    evidence = tuple(dict.fromkeys([*license.evidence, *(ev for _r, _w, ev in found)]))
    return replace(license, expression=expr, name=name, confidence=min(license.confidence, 50),
                   evidence=evidence, reason=reason)


def _notice_restrictions(item: FileEvidence) -> list[tuple[str, int]]:
    """Sentences of a NOTICE that licscan does not identify and that limit commercial use
    ("This model may not be used for commercial purposes."): terms, not a notice."""
    blob = item.blob
    if item.evidence.kind != "notice-file" or blob.status != "ok" or blob.data is None or \
            _qualified(item) or getattr(item.identification, "status", None) != "unknown":
        return []
    text = decode_text(blob.data)
    return restricting_sentences(text) if text else []


def _notice_findings(files: Sequence[FileEvidence]) -> list[Finding]:
    findings = []
    for item in files:
        passages = _notice_restrictions(item)
        if passages:
            quotes = "; ".join(f"{q!r} (line {n + 1})" for q, n in passages[:3])
            findings.append(Finding(
                "notice-restricts-use", "review",
                f"{item.blob.path} names no license licscan knows but restricts use: {quotes}; "
                "its terms apply beside the license", (item.evidence,)))
    return findings


def _unknown_severity(blob: FileBlob) -> str:
    """An unknown text in a license file needs review. A file found only by its content (a
    text that reads like terms, under a name that says nothing) needs review when it limits
    use; otherwise it is reported for information (documentation about licensing)."""
    if blob.found_by != "content" or blob.data is None:
        return "review"
    from licscan.identify.normalize import clean, decode

    text, _problem = decode(blob.data)
    return "review" if text is None or mentions_restriction(clean(text)) else "info"


def _qualified(item: FileEvidence) -> bool:
    return bool(getattr(item.identification, "qualifiers", ()))


def _full_texts(items: Sequence[FileEvidence]) -> list[FileEvidence]:
    """README sections that hold a whole license text (not a title or a reference)."""
    return [item for item in items
            if any(m.matcher in ("exact", "fingerprint")
                   for m in getattr(item.identification, "matches", ()))]


def _custom_findings(items: Sequence[FileEvidence]) -> list[Finding]:
    """A text that changes a known license (added restrictions ...) is a custom license: it
    is reported with the qualifying passage and never read as the license it builds on."""
    findings = []
    for item in items:
        qualifiers = getattr(item.identification, "qualifiers", ())
        if not qualifiers:
            continue
        where = _where(item)
        passages = "; ".join(
            f"{q.reason}: {' '.join(q.text.split())[:240]!r}"
            + (f" (line {q.line})" if q.line is not None else "") for q in qualifiers[:3])
        bases = sorted({q.base for q in qualifiers if q.base})
        findings.append(Finding(
            "license-custom", "review",
            f"{where} is a custom license" + (f" built on {', '.join(bases)}" if bases else "")
            + f"; its own terms apply, not the base license's: {passages}", (item.evidence,)))
    return findings


def _link_check(link: str | None, dl: DeclaredLicense, license: LicenseConclusion,
                card_ev: list[Evidence], pack: RulePack,
                ) -> tuple[LicenseConclusion, list[Finding]]:
    """A `license_link` URL naming another license than the conclusion: both apply."""
    if not link or "://" not in link or license.expression is None:
        return license, []
    rule = _match_url(link, pack)
    ev = tuple(e for e in card_ev if e.field == "license_link") or tuple(card_ev)
    if rule is None:
        if _NC_URL.search(link):
            return license, [Finding(
                "license-link-restricted", "review",
                f"license_link {link!r} points at a non-commercial license that licscan does "
                f"not know, while the card declares {license.expression}", ev)]
        return license, []
    if rule.kind != "license" or rule.id in license.rule_ids:
        return license, []
    concluded = [r for rid in license.rule_ids if (r := pack.get(rid)) is not None]
    if any(related(rule, r) for r in concluded):
        return license, []
    expr = spdx.combine_and([license.expression, rule.expression_id])
    finding = Finding(
        "license-mismatch", "review",
        f"the card's license_link points at {rule.name} but the license is concluded as "
        f"{license.expression}; both are taken to apply", ev)
    return LicenseConclusion(expr, _names([*concluded, rule]), min(license.confidence, 60),
                             license.status, (*license.rule_ids, rule.id),
                             (*license.evidence, *ev),
                             "the card's license_link names another license"), [finding]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _decide(dl: DeclaredLicense, declared_rules: list[Rule], licenses: list[Rule],
            policies: list[Rule], strong: list[Matched],
            weak: list[Matched], card_ev: list[Evidence], pack: RulePack,
            card_problem: str | None = None) -> tuple[LicenseConclusion, list[Finding]]:
    findings: list[Finding] = []
    text_ev = tuple(dict.fromkeys(item.evidence for _m, item in strong))
    weak_ev = tuple(dict.fromkeys(item.evidence for _m, item in weak))
    policy_ids = [p.expression_id for p in policies]
    modified = any(m.status == "modified" for m, _ in strong)
    text_conf = min((m.confidence for m, _ in strong), default=0)
    if licenses:
        agrees = bool(declared_rules) and all(
            any(related(t, d) for d in declared_rules) for t in licenses)
        named = _named_beside(licenses, declared_rules, strong, weak, pack)
        named_ev = tuple(dict.fromkeys(item.evidence for m, item in weak
                                       if m.rule_id in {r.id for r in named}))
        if named:
            findings.append(Finding(
                "license-mismatch", "review",
                f"the license files show {', '.join(r.name for r in licenses)} but a README "
                f"or NOTICE names {', '.join(r.name for r in named)}; both are taken to apply",
                (*text_ev, *named_ev)))
        if dl.resolved and not agrees:
            findings.append(Finding(
                "license-mismatch", "review",
                f"the card declares {dl.expression} but the license files show "
                f"{', '.join(r.name for r in licenses)}; both are taken to apply",
                (*card_ev, *text_ev)))
            expr = spdx.combine_and([*(r.expression_id for r in licenses), dl.expression or "",
                                     *(r.expression_id for r in named), *policy_ids])
            ids = tuple(r.id for r in [*licenses, *dl.rules, *named, *policies])
            return LicenseConclusion(expr, _names([*licenses, *dl.rules, *named]),
                                     min(text_conf, 60), "resolved", ids,
                                     (*card_ev, *text_ev, *named_ev),
                                     "card and files disagree"), findings
        if declared_rules and not agrees and not dl.resolved:
            tags = [r for r in declared_rules if r.kind == "family"]
            if tags:
                findings.append(Finding(
                    "license-mismatch", "review",
                    f"the card's family tag {tags[0].id!r} does not cover "
                    f"{', '.join(r.name for r in licenses)}", (*card_ev, *text_ev)))
        uncovered = [d for d in declared_rules if d.kind == "license"
                     and not any(related(d, t) for t in licenses)] if agrees else []
        if uncovered:  # `license: [apache-2.0, cc-by-nc-4.0]` with only the Apache text
            findings.append(Finding(
                "license-mismatch", "review",
                f"the card also declares {', '.join(r.name for r in uncovered)}, which no "
                f"license file shows beside {', '.join(r.name for r in licenses)}; both are "
                "taken to apply", (*card_ev, *text_ev)))
            named = [*uncovered, *named]
        if named:
            expr = spdx.combine_and([*(r.expression_id for r in [*licenses, *named]),
                                     *policy_ids])
            return LicenseConclusion(expr, _names([*licenses, *named]), min(text_conf, 60),
                                     "resolved", tuple(r.id for r in [*licenses, *named,
                                                                       *policies]),
                                     (*text_ev, *named_ev, *card_ev),
                                     "the license files and a README or NOTICE reference "
                                     "disagree"), findings
        expr = spdx.combine_and([*(r.expression_id for r in licenses), *policy_ids])
        claimed = [r for r in declared_rules if r.kind != "marker"]
        confidence = min(text_conf, 60) if modified else text_conf if agrees or not claimed \
            else min(text_conf, 90)
        why = ("license text identified as a modified copy (license-text-modified)" if modified
               else "license text identified") + (" and agrees with the card" if agrees else "")
        return LicenseConclusion(expr, _names(licenses), confidence, "resolved",
                                 tuple(r.id for r in [*licenses, *policies]),
                                 (*text_ev, *card_ev), why), findings
    weak_rules = [r for r in _rules_of(weak, pack) if r.kind == "license"]
    if dl.resolved:
        agrees = bool(weak_rules) and all(any(related(w, d) for d in dl.rules) for w in weak_rules)
        confidence = 85 if agrees else 70
        why = "declared on the card" + (", confirmed by a reference" if agrees else
                                        ", no license text to confirm it")
        foreign = [w for w in weak_rules if not any(related(w, d) for d in dl.rules)]
        if foreign:
            findings.append(Finding(
                "license-mismatch", "review",
                f"the card declares {dl.expression} but a README or NOTICE names "
                f"{', '.join(r.name for r in foreign)}; both are taken to apply",
                (*card_ev, *weak_ev)))
            expr = spdx.combine_and([dl.expression or "", *(r.expression_id for r in foreign)])
            return LicenseConclusion(expr, _names([*dl.rules, *foreign]), 60, "resolved",
                                     tuple(r.id for r in [*dl.rules, *foreign]),
                                     (*card_ev, *weak_ev),
                                     "the card and a README or NOTICE reference disagree"
                                     ), findings
        precise = [w for w in weak_rules if any(related(w, d) for d in dl.rules)]
        expr = dl.expression if not precise or len(dl.rules) != 1 or dl.rules[0].version \
            else spdx.combine_and([w.expression_id for w in precise])
        ids = tuple(r.id for r in (precise if expr != dl.expression else dl.rules))
        return LicenseConclusion(expr, _names(precise or list(dl.rules)), confidence,
                                 "resolved", ids, (*card_ev, *weak_ev), why), findings
    if weak_rules:
        expr = spdx.combine_and([r.expression_id for r in weak_rules])
        return LicenseConclusion(expr, _names(weak_rules), 75, "resolved",
                                 tuple(r.id for r in weak_rules), (*weak_ev, *card_ev),
                                 "named by a README or NOTICE reference; no license text"
                                 ), findings
    reason = _unresolved_reason(dl) if not card_problem else \
        "the model card could not be read and no license text was found"
    findings.append(Finding("license-unresolved", "review", reason, tuple(card_ev)))
    return LicenseConclusion(None, None, 0, "unresolved", tuple(r.id for r in dl.rules),
                             tuple(card_ev), reason), findings


def _named_beside(licenses: list[Rule], declared_rules: list[Rule],
                  strong: list[Matched], weak: list[Matched],
                  pack: RulePack) -> list[Rule]:
    """Licenses a README section, a NOTICE or a reference-only file names beside the license
    texts found, related to none of them nor to the card's claim ("the weights are released
    under CC BY-NC 4.0" next to an Apache LICENSE). References inside a full license text
    (a GPL naming the LGPL) are not claims and are not counted."""
    with_text = {id(item) for _m, item in strong}
    refs = [(m, item) for m, item in weak if id(item) not in with_text]
    known = [*licenses, *declared_rules]
    return [r for r in _rules_of(refs, pack)
            if r.kind == "license" and not any(related(r, k) for k in known)]


def _names(rules: Sequence[Rule]) -> str | None:
    names = list(dict.fromkeys(r.name for r in rules))
    return " AND ".join(names) if names else None


def _unresolved_reason(dl: DeclaredLicense) -> str:
    if dl.raw in (None, "", []):
        return "the card declares no license and no license text was found"
    families = [r.id for r in dl.rules if r.kind == "family"]
    if families:
        return (f"the card's license {families[0]!r} names a family of licenses; "
                "no license text was found to tell which one")
    return (f"the card's license ({', '.join(dl.unresolved)}) could not be resolved and no "
            "license text was found")


def _readme_cut(snapshot: Snapshot) -> list[Finding]:
    """A README read only in part (over the size cap), or a license or terms section longer
    than what is read of it: a restriction past the cut would not be seen."""
    readme = snapshot.readme
    if readme is None:
        return []
    ev = (Evidence(kind="readme-text", source=snapshot.source, revision=snapshot.revision,
                   path=readme.path, sha256=readme.sha256),)
    if readme.status == "too-large" or readme.truncated:
        return [Finding("scan-incomplete", "review",
                        f"{readme.path} is larger than licscan reads ({readme.reason or 'cut'}); "
                        "only its start was read, and a license or terms section past the cut "
                        "would not be seen", ev)]
    text = decode_text(readme.data) if readme.data is not None else None
    if text is None:
        return []
    card = parse_card(text)
    first = card.body_first_line
    found = [Finding("scan-incomplete", "review",
                     f"{readme.path}: the section {s.title!r} (line {first + s.line})"
                     " is longer than licscan reads of a section; a term past the cut would not "
                     "be seen", ev) for s in terms_sections(card.body) if s.cut][:3]
    unread = unread_terms_sections(card.body)
    if unread:
        names = ", ".join(f"{s.title!r} (line {first + s.line})"
                          for s in unread[:3]) + (f" and {len(unread) - 3} more"
                                                  if len(unread) > 3 else "")
        found.append(Finding(
            "scan-incomplete", "review",
            f"{readme.path} has {MAX_SECTIONS + len(unread)} license, terms or usage sections "
            f"and only the first {MAX_SECTIONS} were read for license texts and references: "
            f"{names} were not (a restricting sentence anywhere in the card is still read)",
            ev))
    return found


def _context_findings(snapshot: Snapshot, dl: DeclaredLicense, files: Sequence[FileEvidence],
                      card_ev: list[Evidence]) -> list[Finding]:
    findings = []
    unread = [f.blob.path for f in files if f.blob.status == "gated"]
    if snapshot.readme is not None and snapshot.readme.status == "gated":
        unread.insert(0, snapshot.readme.path)
    if snapshot.gated and unread:
        # what the card metadata claims was not checked against the text: a gate must not
        # pass it unseen (scan with a token approved for the repository to read the files)
        findings.append(Finding(
            "gated-repo", "review",
            f"the repository is gated ({snapshot.gated}); {', '.join(unread)} could not be "
            "read without an approved token, so the license comes from the card metadata "
            "the Hub serves without access and the license text could not be checked",
            (*card_ev, *(f.evidence for f in files if f.blob.status == "gated"))))
    if dl.raw in (None, "", []) and snapshot.card_data is not None:
        findings.append(Finding("declared-license-missing", "review",
                                "the model card has no 'license' field", ()))
    if snapshot.card_problem:
        findings.append(Finding("card-invalid", "review",
                                f"README.md: {snapshot.card_problem}",
                                (Evidence(kind="card-field", source=snapshot.source,
                                          revision=snapshot.revision, path="README.md",
                                          line=snapshot.card_problem_line),)))
    elif snapshot.card_data is None:
        findings.append(Finding("card-missing", "review",
                                "no model card metadata (README.md front matter) was found",
                                ()))
    findings += _readme_cut(snapshot)
    for what in snapshot.unread:
        findings.append(Finding("scan-incomplete", "review",
                                f"{what}; a license text there would not be seen", ()))
    if not files and dl.raw not in (None, "", []):
        findings.append(Finding("license-file-missing", "info",
                                "the repository ships no LICENSE, NOTICE or use-policy file",
                                ()))
    return findings
