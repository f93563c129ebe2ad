"""The finding codes licscan emits, with a one-line explanation each.

Used to validate `{finding: CODE}` policy rules (a typo must not silently match nothing) and
as help text of the SARIF rules. docs/findings.md is the long form; a test keeps the two, and
the codes the source emits, in step.
"""

from __future__ import annotations

CATALOGUE: dict[str, str] = {
    "license-mismatch": "The card declares one license and the files (or a README or NOTICE "
                        "reference) show another; both are taken to apply.",
    "license-unresolved": "No license could be concluded from the card or the files.",
    "license-text-modified": "A license file is close to a known license but differs where it "
                             "matters (a version, a number, a non-commercial or regional "
                             "clause).",
    "license-text-unidentified": "A LICENSE file is not a text licscan knows.",
    "license-file-unreadable": "A license file is too large, binary, a symlink leaving the "
                               "model folder, or could not be fetched.",
    "license-file-missing": "The card declares a license but the repository ships no LICENSE, "
                            "NOTICE or use-policy file.",
    "declared-license-missing": "The model card has no `license` field.",
    "card-invalid": "The model card's front matter does not parse.",
    "card-missing": "The model has no model card metadata.",
    "unknown-license-id": "The declared license is neither a Hub id nor an SPDX expression, or "
                          "names unknown ids.",
    "license-name-unknown": "`license: other` with a `license_name` the rule pack does not "
                            "know.",
    "license-from-link": "`license: other` was resolved from the `license_link` URL.",
    "license-list": "The card lists several licenses; all are taken to apply (AND).",
    "gpl-version-ambiguous": "A deprecated GNU Hub id that does not say 'only' or 'or later'.",
    "gated-repo": "The repository is gated; the license comes from the card metadata.",
    "lineage-unresolved": "A base model named by the card could not be scanned.",
    "lineage-license-conflict": "The model derives from a base whose terms bind derivatives "
                                "and are stricter than the declared license.",
    "lineage-naming": "The base model's license requires a name prefix the model lacks.",
    "lineage-restrictions-not-passed": "The base model's use restrictions must be passed on "
                                       "and the model does not carry them.",
    "base-model-restricted": "A base model has a gate finding (custom terms, a restricting "
                             "card, cut evidence); it binds the derivative too.",
    "dataset-unresolved": "A training dataset named by the card could not be scanned.",
    "dataset-license": "A training dataset's license restricts the model's use.",
    "waiver-expired": "A waiver for the model has expired and no longer applies.",
    "license-file-truncated": "A license file was read only in part (its head); the rest was "
                              "not seen.",
    "card-restricts-use": "The card declares a license that allows commercial use, but its "
                          "license, terms or usage sections restrict it.",
    "license-custom": "A license file is a custom license (possibly built on a known one); its "
                      "own terms apply, not the base license's.",
    "license-link-restricted": "The card's license_link points at a non-commercial license "
                               "licscan does not know.",
    "scan-incomplete": "A limit (files, bytes, folder entries, depth) left part of the model "
                       "unread; a license text there would not be seen.",
    "notice-restricts-use": "A NOTICE names no license but restricts the model's use.",
    "license-name-mismatch": "The card's license_name names another license than its license "
                             "id.",
}

# Findings that say the concluded license may not be the whole story: the evidence was cut,
# contradicts itself or adds terms, or the text differs from the license concluded
# (license-text-modified: "MIT" with "for non-commercial purposes only" in its grant). An
# allow rule about a license cannot lower them (a finding rule naming the code, or a waiver,
# can: the user has seen it).
GATE_FINDINGS = frozenset({
    "license-custom", "license-text-modified", "card-restricts-use", "notice-restricts-use",
    "license-name-mismatch",
    "license-link-restricted", "gated-repo", "scan-incomplete", "license-file-truncated",
    "lineage-unresolved", "dataset-unresolved", "base-model-restricted"})
