"""Every Hub license id (the TSV) and alias normalises to the right expression and flags.

The expectations below are written from ml-licenses.md, independently of the rule files,
so a wrong rule file fails here.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from licscan.evidence.declared import normalize_declared
from licscan.rulepack import RulePack

TSV = Path(__file__).resolve().parent.parent.parent / "shared" / "research" / \
    "hf-license-identifiers.tsv"
FAMILY = "family"
A, C, P, U = "allowed", "conditional", "prohibited", "unknown"
SC = "LicenseRef-scancode-"
LS = "LicenseRef-licscan-"

# hub id -> (expression, commercial_use) ; FAMILY = a claim that needs the text
HUB_IDS: dict[str, tuple[str, str | None]] = {
    "apache-2.0": ("Apache-2.0", A), "mit": ("MIT", A), "openrail": (FAMILY, None),
    "bigscience-openrail-m": (SC + "bigscience-open-rail-m", A),
    "creativeml-openrail-m": (SC + "stable-diffusion-2022-08-22", A),
    "bigscience-bloom-rail-1.0": (SC + "bigscience-rail-1.0", A),
    "bigcode-openrail-m": (SC + "bigcode-open-rail-m-v1", A),
    "afl-3.0": ("AFL-3.0", A), "artistic-2.0": ("Artistic-2.0", A), "bsl-1.0": ("BSL-1.0", A),
    "bsd": (FAMILY, None), "bsd-2-clause": ("BSD-2-Clause", A),
    "bsd-3-clause": ("BSD-3-Clause", A), "bsd-3-clause-clear": ("BSD-3-Clause-Clear", A),
    "c-uda": ("C-UDA-1.0", None), "cc": (FAMILY, None), "cc0-1.0": ("CC0-1.0", A),
    "cc-by-2.0": ("CC-BY-2.0", A), "cc-by-2.5": ("CC-BY-2.5", A), "cc-by-3.0": ("CC-BY-3.0", A),
    "cc-by-4.0": ("CC-BY-4.0", A), "cc-by-sa-3.0": ("CC-BY-SA-3.0", A),
    "cc-by-sa-4.0": ("CC-BY-SA-4.0", A), "cc-by-nc-2.0": ("CC-BY-NC-2.0", P),
    "cc-by-nc-3.0": ("CC-BY-NC-3.0", P), "cc-by-nc-4.0": ("CC-BY-NC-4.0", P),
    "cc-by-nd-4.0": ("CC-BY-ND-4.0", A), "cc-by-nc-nd-3.0": ("CC-BY-NC-ND-3.0", P),
    "cc-by-nc-nd-4.0": ("CC-BY-NC-ND-4.0", P), "cc-by-nc-sa-2.0": ("CC-BY-NC-SA-2.0", P),
    "cc-by-nc-sa-3.0": ("CC-BY-NC-SA-3.0", P), "cc-by-nc-sa-4.0": ("CC-BY-NC-SA-4.0", P),
    "cdla-sharing-1.0": ("CDLA-Sharing-1.0", A),
    "cdla-permissive-1.0": ("CDLA-Permissive-1.0", A),
    "cdla-permissive-2.0": ("CDLA-Permissive-2.0", A), "wtfpl": ("WTFPL", A),
    "ecl-2.0": ("ECL-2.0", A), "epl-1.0": ("EPL-1.0", A), "epl-2.0": ("EPL-2.0", A),
    "etalab-2.0": ("etalab-2.0", A), "eupl-1.1": ("EUPL-1.1", A), "eupl-1.2": ("EUPL-1.2", A),
    "agpl-3.0": ("AGPL-3.0-only", A), "gfdl": (FAMILY, None), "gpl": (FAMILY, None),
    "gpl-2.0": ("GPL-2.0-only", A), "gpl-3.0": ("GPL-3.0-only", A), "lgpl": (FAMILY, None),
    "lgpl-2.1": ("LGPL-2.1-only", A), "lgpl-3.0": ("LGPL-3.0-only", A), "isc": ("ISC", A),
    "h-research": (LS + "h-research", U), "intel-research": (LS + "intel-research", U),
    "lppl-1.3c": ("LPPL-1.3c", A), "ms-pl": ("MS-PL", A), "apple-ascl": ("AML", A),
    "apple-amlr": (LS + "apple-amlr", P), "mpl-2.0": ("MPL-2.0", A), "odc-by": (FAMILY, None),
    "odbl": (FAMILY, None), "openmdw-1.0": ("OpenMDW-1.0", A),
    "openmdw-1.1": (LS + "openmdw-1.1", A),
    "openrail++": (SC + "bigscience-open-rail-m2", A), "osl-3.0": ("OSL-3.0", A),
    "postgresql": ("PostgreSQL", A), "ofl-1.1": ("OFL-1.1", A), "ncsa": ("NCSA", A),
    "unlicense": ("Unlicense", A), "zlib": ("Zlib", A), "pddl": ("PDDL-1.0", A),
    "lgpl-lr": ("LGPLLR", A), "deepfloyd-if-license": (LS + "deepfloyd-if", P),
    "fair-noncommercial-research-license": (LS + "fair-noncommercial-research", P),
    "llama2": (SC + "llama-2-license-2023", C), "llama3": (LS + "llama3", C),
    "llama3.1": (SC + "llama-3.1-license-2024", C),
    "llama3.2": (SC + "llama-3.2-license-2024", C),
    "llama3.3": (SC + "llama-3.3-license-2024", C),
    "llama4": (SC + "llama-4-cla-2025", C), "grok2-community": (LS + "grok2-community", None),
    "gemma": (LS + "gemma", A), "unknown": (FAMILY, None), "other": (FAMILY, None),
    # retired Hub ids, still found on old cards
    "tii-falcon-llm": (LS + "tii-falcon-llm-1.0", C), "open-mdw": ("OpenMDW-1.0", A),
}

# license: other + license_name
LICENSE_NAMES: dict[str, tuple[str, str | None]] = {
    "qwen": (LS + "qwen", C), "tongyi-qianwen": (SC + "tongyi-qianwen-2023", C),
    "tongyi-qianwen-license-agreement": (SC + "tongyi-qianwen-2023", C),
    "tongyi-qianwen-research": (LS + "tongyi-qianwen-research", P),
    "qwen-research": (LS + "qwen-research", P), "deepseek": (SC + "deepseek-la-1.0", A),
    "deepseek-license": (SC + "deepseek-la-1.0", A), "mrl": (LS + "mistral-mrl-0.1", P),
    "mnpl": (LS + "mistral-mnpl-0.1", P),
    "nvidia-open-model-license": (LS + "nvidia-open-model", A),
    "nvidia-license": (LS + "nvidia-license-nc", P),
    "stabilityai-ai-community": (SC + "stability-ai-community-2024", C),
    "flux-1-dev-non-commercial-license": (LS + "flux-1-dev-nc", P),
    "falcon-llm-license": (LS + "falcon-llm-2.0", None),
    "yi-license": (LS + "yi-community-2.1", C), "modified-mit": (LS + "kimi-modified-mit", A),
}


def test_table_covers_every_hub_id() -> None:
    if not TSV.is_file():
        if os.environ.get("CI"):
            raise RuntimeError(f"the Hub's license ids are missing at {TSV}")
        pytest.skip(f"needs {TSV} (../shared/research/hf-license-identifiers.tsv next to the "
                    "repository)")
    with TSV.open() as fh:
        ids = {row["hf_id"] for row in csv.DictReader(fh, delimiter="\t")}
    assert len(ids) == 83
    assert ids <= set(HUB_IDS)


def _check(pack: RulePack, declared: str, name: str | None, expected: str,
           commercial: str | None) -> None:
    result = normalize_declared(declared, name, None, pack)
    if expected == FAMILY:
        assert result.expression is None and result.unresolved, result
        assert result.rules and result.rules[0].needs_text
        return
    assert result.expression == expected
    assert result.resolved
    if commercial is not None:
        rule = pack.by_expression_id[expected.lower()]
        assert rule.flags.commercial_use == commercial, rule.id


@pytest.mark.parametrize(("hub_id", "expected"), sorted(HUB_IDS.items()))
def test_hub_id(pack: RulePack, hub_id: str, expected: tuple[str, str | None]) -> None:
    _check(pack, hub_id, None, *expected)


@pytest.mark.parametrize(("name", "expected"), sorted(LICENSE_NAMES.items()))
def test_license_name_alias(pack: RulePack, name: str, expected: tuple[str, str | None]) -> None:
    _check(pack, "other", name, *expected)
    _check(pack, "OTHER", name.upper(), *expected)


@pytest.mark.parametrize("hub_id", ["gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "agpl-3.0"])
def test_deprecated_gnu_ids_flag_ambiguity(pack: RulePack, hub_id: str) -> None:
    result = normalize_declared(hub_id, None, None, pack)
    assert [n.code for n in result.notes] == ["gpl-version-ambiguous"]


def test_list_and_expressions(pack: RulePack) -> None:
    both = normalize_declared(["apache-2.0", "llama3.1"], None, None, pack)
    assert both.expression == "Apache-2.0 AND LicenseRef-scancode-llama-3.1-license-2024"
    assert "license-list" in [n.code for n in both.notes]
    spdx = normalize_declared("MIT OR apache-2.0", None, None, pack)
    assert spdx.expression == "MIT OR Apache-2.0"
    later = normalize_declared("GPL-2.0-or-later", None, None, pack)
    assert later.expression == "GPL-2.0-or-later"
    bad = normalize_declared("my own license v2 (((", None, None, pack)
    assert bad.expression is None and [n.code for n in bad.notes] == ["unknown-license-id"]
    unknown_name = normalize_declared("other", "acme-secret-license", None, pack)
    assert unknown_name.expression is None
    assert "license-name-unknown" in [n.code for n in unknown_name.notes]


def test_other_with_license_link_url(pack: RulePack) -> None:
    result = normalize_declared("other", None, "https://www.llama.com/llama3_2/license/", pack)
    assert result.expression == SC + "llama-3.2-license-2024"


# license: other + license_name of the rules added in issue 11
NEW_LICENSE_NAMES: dict[str, tuple[str, str | None]] = {
    "playground-v2-community": (SC + "playground-v2-community", C),
    "faipl-1.0": (SC + "fair-ai-public-1.0", A), "faipl-1.0-sd": (SC + "fair-ai-public-1.0-sd", A),
}


@pytest.mark.parametrize(("name", "expected"), sorted(NEW_LICENSE_NAMES.items()))
def test_new_license_names(pack: RulePack, name: str, expected: tuple[str, str | None]) -> None:
    _check(pack, "other", name, *expected)


def test_an_spdx_id_without_a_hand_written_rule_gets_its_derived_rule(pack: RulePack) -> None:
    result = normalize_declared("0BSD", None, None, pack)
    assert result.expression == "0BSD" and result.resolved
    (rule,) = result.rules
    assert rule.derived and rule.category == "permissive" and rule.flags.commercial_use == A
    both = normalize_declared("GPL-3.0-or-later AND Apache-2.0", None, None, pack)
    assert [(r.id, r.derived) for r in both.rules] == [("gpl-3.0-or-later", True),
                                                        ("apache-2.0", False)]
    # a restricted category is never read as allowed
    sspl = normalize_declared("SSPL-1.0", None, None, pack)
    assert [r.flags.commercial_use for r in sspl.rules] == [U]
    assert not [n for n in sspl.notes if n.code == "unknown-license-id"]


def test_the_hand_written_rule_wins_over_the_derived_one(pack: RulePack) -> None:
    result = normalize_declared("Apache-2.0", None, None, pack)
    assert [(r.id, r.derived) for r in result.rules] == [("apache-2.0", False)]
