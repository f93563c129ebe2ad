"""Passages that add, remove or qualify the terms of a license a text refers to or contains.

"Released under the Apache License 2.0, with the following additional restriction: research
use only" names Apache, but it is not Apache: it is a custom license built on it. The
patterns below run over canonical tokens (lower case; "non-commercial" is "noncommercial"),
with the license names found in the text replaced by `<lic>` and standard boilerplate (the
Apache and GPL notices) removed first, so "Creative Commons Attribution-NonCommercial" and
"you may not use this file except in compliance with the License" qualify nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

LIC = "<lic>"
EXCEPTION = "makes an exception"
FIELD_OF_USE = "limits the field of use"
NONCOMMERCIAL = frozenset({"limits use to non-commercial purposes", "restricts commercial use"})

# What a use limit speaks of: a scope statement whose object is one of these ("this license
# applies only to non-commercial use", "does not apply to commercial users") limits the
# use of what it covers; it says nothing about which material the license covers.
USE_OBJECTS = frozenset({
    "use", "uses", "usage", "using", "purpose", "purposes", "commercial", "commercially",
    "noncommercial", "noncommercially", "research", "academic", "personal", "production",
    "nonproduction", "evaluation", "educational", "education", "internal", "deployment",
    "deployments", "user", "users", "customer", "customers", "company", "companies",
    "business", "businesses", "enterprise", "enterprises", "individual", "individuals",
    "organization", "organizations", "entity", "entities", "profit", "nonprofit",
    "applications", "products", "services", "hosting", "eu", "european", "eea", "uk",
    "china", "country", "countries", "region", "regions", "territory", "territories",
})
_USE_ALT = "|".join(sorted(USE_OBJECTS))

# Standard notices that name a license without qualifying it (SPDX "standard headers").
_BOILERPLATE_SOURCE = "|".join([
    r"you may not use (?:this|these|the) (?:\w+ ){0,2}except in compliance with the "
    r"(?:<lic>|license)",
    # scope statements: the license covers the weights, not the code
    # (not "does not apply to commercial use of the software": a use is no other material)
    r"(?:does|do|shall) not (?:apply to|cover) (?:the |this |any )?"
    r"(?:(?!(?:" + _USE_ALT + r")(?![\w>]))\w+ ){0,3}"
    r"(?:source code|code|software|scripts|repository|codebase)",
    r"(?:you may not use this file )?except in compliance with the (?:<lic>|license)",
    r"unless required by applicable law or agreed to in writing",
    r"without warranties or conditions of any kind,? either express or implied",
    r"see the (?:<lic>|license) for the specific language governing permissions and "
    r"limitations under the (?:<lic>|license)",
    r"either version [\d.]+ of the (?:<lic>|license),? or (?:at your option )?any later version",
    r"(?:but )?without any warranty,? without even the implied warranty of merchantability or "
    r"fitness for a particular purpose",
    r"all rights reserved",
    r"(?:this|the) (?:<lic>|license) does not grant permission to use the trade names",
    r"you may obtain a copy of the (?:<lic>|license) at",
    r"distributed (?:under the (?:<lic>|license) )?on an as is basis",
    # a grant of both ("commercial and non-commercial use are permitted") limits nothing
    r"(?:both )?(?:commercial (?:and|or) noncommercial|noncommercial (?:and|or) commercial)"
    r"(?: (?:use|uses|purposes?|usage|applications?))?",
])

_OTHER_WORK = (r"(?:code|software|source|scripts?|codebase|binaries|data|datasets?"
               r"|corpus|corpora|inputs|fonts|base model)")
_DATA = r"(?:data|datasets?|corpus|corpora|inputs|fonts)"
_SCOPE_SOURCE = (r"(?<![\w<])(?:" + "|".join([
    r"(?:<lic>|license|grant|agreement|terms|file|document) (?:that |which )?(?:only )?"
    r"(?:(?:applies|apply|extends|extend) (?:only )?to|covers|cover|governs|govern)",
    r"(?:<lic>|license|grant|agreement|terms|file) (?:is|are) (?:only )?for (?:the )?"
    r"(?:\w+ ){0,2}(?:weights|model|models|checkpoints?|artifacts)",
    # other material's own terms ("contexts that the underlying data terms restrict")
    r"(?:underlying|upstream|third party|training) (?:\w+ )?(?:data )?(?:terms|licen[cs]es?)",
    r"third party (?:\w+ )?(?:data|datasets?|code|software|components|material|content)",
    r"(?:does|do|shall|will) not (?:\w+ ){0,2}(?:apply|cover|relicense|govern|extend)",
    r"not (?:covered|relicensed|redistributed|included) (?:by|under|in)",
    r"remains? (?:\w+ ){0,2}(?:subject to|under|governed)",
    # other material under its own terms ("the software ... is licensed separately under a
    # proprietary license"; "some inputs are subject to upstream terms"); "the software is
    # licensed under MIT" alone is no scope statement: in a LICENSE the software is the subject
    rf"{_OTHER_WORK}(?: \w+){{0,6}} (?:is |are )?(?:\w+ ){{0,2}}(?:licensed|released|"
    r"distributed|published|governed) (?:separately|independently)",
    rf"{_DATA}(?: \w+){{0,6}} (?:is |are )(?:\w+ ){{0,2}}(?:subject to|governed by)",
]) + r")(?![\w>])")
# the licenses of what the model was trained on ("certain training datasets carry a CC
# BY-SA 4.0 license"): other material, and no license of anything the repository holds
_DATA_SCOPE_SOURCE = (r"(?<![\w<])(?:" + "|".join([
    rf"{_DATA}(?: [\w.]+){{0,6}} (?:carry|carries|come with|comes with|bear|bears)",
    rf"(?:training|pretraining|pre training|third party|upstream) {_DATA}(?: [\w.]+){{0,6}} "
    r"(?:is |are |was |were )?(?:\w+ ){0,2}(?:licensed|released|distributed|published"
    r"|governed|subject)",
]) + r")(?![\w>])")
_SUBJECT = frozenset({"model", "models", "weights", "checkpoint", "checkpoints", "artifacts"})

RESTRICTS = "adds a restriction"
# words that limit (canonical tokens: "can't" is "cant") ...
_LIMITING = frozenset({
    "not", "no", "never", "nor", "cannot", "cant", "dont", "doesnt", "wont", "mustnt",
    "shouldnt", "isnt", "arent", "only", "solely", "exclusively", "must", "pay", "pays",
    "paid", "payment", "fee", "fees", "charge", "forbidden", "banned", "except", "excluding",
    "unless", "sanctioned", "embargoed",
})
_LIMITING_STEMS = ("prohibit", "restrict", "requir", "forbid")
# ... and what they limit: a use, a purpose, a kind of user, a place
_USE_CONTEXT = USE_OBJECTS | frozenset({
    # (not "distribute", "run", "sell": "the project does not redistribute raw data"
    # describes; "you may not redistribute" is a known phrase)
    "used", "deploy", "deployed", "deploying", "nonproduction", "commercialize", "commercialise",
    "commercialization", "commercialisation", "chinese", "russia", "iran", "switzerland",
    "america", "american", "usa", "jurisdiction", "jurisdictions", "sanctioned",
    "embargoed", "pay", "fee", "fees", "paid", "payment",
})
# (shared with licscan.evidence.wording, which reads a card's sentences: a credit duty is no
# limit on use)
CREDIT = frozenset({"credit", "attribution", "attribute", "attributed", "cite", "citation",
                     "acknowledge", "acknowledgement", "acknowledgment", "notice", "notices",
                     "include", "included", "retain", "retained", "reproduce"})
DUTY = frozenset({"must", "required", "requires", "require", "requirement"})
_DISCLAIMER = frozenset({"warranty", "warranties", "liable", "liability", "damages",
                         "merchantability"})
_NEGATION = frozenset({"not", "no", "nor"})

# (pattern, what the passage does). Word boundaries are token boundaries.
_PATTERN_SOURCES: tuple[tuple[str, str], ...] = tuple(
    (rf"(?<![\w<]){p}(?![\w>])", why) for p, why in [
        (r"(?:additional|further|extra|supplemental|supplementary) "
         r"(?:use )?(?:restrictions?|conditions?|terms|requirements?|limitations?|obligations?"
         r"|permissions?|exceptions?"
         r"|clauses?|provisions?)", "adds terms"),
        (r"addendum|rider|amendment|amended|in addition to", "adds terms"),
        # a linking exception in a license's own words, a permission for a program to be
        # linked with a library (GPL-2.0 plus a permission is not GPL-2.0)
        (r"permission (?:\w+ ){0,4}(?:to be |be )?(?:link|linked|linking|combine|combined"
         r"|combining)", "adds a permission"),
        (r"use ?based restrictions?|acceptable use|use polic(?:y|ies)|restrictions? on use"
         r"|restricted use", "adds use restrictions"),
        (r"except|excepting|excluding|exclusions?|exceptions?|excluded|other than"
         r"|does not apply|do not apply|not covered|not licensed|not included|carve ?outs?",
         "makes an exception"),
        (r"(?:modified|altered|amended|adapted|custom|customi[sz]ed|derivative|variant|changed)"
         r"(?: version)? (?:of |from )?(?:the |a |an )?(?:\w+ ){0,2}<lic>", "modifies the license"),
        (r"(?:a |an )?(?:modified|altered|amended|custom|customi[sz]ed) <lic>",
         "modifies the license"),
        (r"(?:based|modell?ed|built|derived|adapted|inspired) (?:up)?on (?:the |a |an )?"
         r"(?:\w+ ){0,2}<lic>|derived from (?:the |a |an )?(?:\w+ ){0,2}<lic>",
         "is built on the license"),
        (r"<lic> (?:with|plus|and) (?:the following |some |certain |a few )?(?:modifications"
         r"|changes|amendments|additions)", "modifies the license"),
        # "Apache 2.0 with Commons Clause", "MIT with a non-compete rider"
        (r"<lic> (?:with|plus) (?:the |a |an )?(?:(?:\w+|<lic>) ){0,3}(?:clause|addendum|rider"
         r"|restrictions?|conditions?)", "adds terms"),
        (r"noncommercial(?:ly)?|not for commercial|no commercial|non ?profit|not commercial",
         "limits use to non-commercial purposes"),
        (r"commercial (?:use|uses|purposes?|usage|deployment|applications?|products?|services?"
         r"|exploitation|activities)(?: \w+){0,3} (?:is |are )?(?:not|prohibited|forbidden"
         r"|restricted|excluded|requires?|subject)", "restricts commercial use"),
        (r"(?:commercial|separate|paid|enterprise|special|different|custom|proprietary"
         r"|bespoke) licen[cs](?:es?|ing)", "requires another license"),
        (r"(?:licen[cs]e|permission|approval|consent|authori[sz]ation)(?: \w+){0,2} (?:is|are)"
         r" (?:\w+ )?required|(?:does|do|shall|will) not (?:\w+ ){0,2}grant (?:\w+ ){0,2}"
         r"permission", "requires permission"),
        (r"research (?:purposes? |use |usage )?only|only for (?:\w+ ){0,3}(?:research|academic"
         r"|personal|evaluation|educational|testing|internal)|for (?:\w+ ){0,2}(?:academic"
         r"|research|personal|evaluation|educational|internal|testing) (?:purposes|use|usage)"
         r"(?: only)?|academic (?:use|purposes|research)|evaluation (?:purposes? )?only",
         FIELD_OF_USE),
        # "you must not use", and the imperative "do not use the model to impersonate"
        (r"(?:(?:may|must|shall|can|will|should|do) not|cannot|cant|mustnt|shouldnt|wont"
         r"|dont|doesnt) (?:be )?(?:\w+ ){0,2}"
         r"(?:used?|deploy(?:ed)?"
         r"|distribut(?:e|ed)|redistribut(?:e|ed)|sell|sold|commerciali[sz]ed?|offer(?:ed)?"
         r"|provide[d]?|host(?:ed)?|modif(?:y|ied)|shared?|train(?:ed)?)"
         r"|(?:dont|never) (?:use|deploy|distribute|redistribute|sell|offer|host|share|train)",
         "prohibits a use"),
        (r"prohibited|forbidden|not (?:be )?(?:permitted|allowed|authori[sz]ed)"
         r"|no (?:use|redistribution|distribution|derivatives?)"
         r"|may only|can only|must only|use only|solely|exclusively|only (?:be )?used",
         "prohibits a use"),
        (r"(?:requires?|required|need|needs|obtain|contact|apply for|request|ask for|seek)"
         r"(?: \w+){0,3} (?:licen[cs]e|permission|approval|consent|agreement|authori[sz]ation)"
         r"|written (?:permission|consent|approval|agreement)", "requires permission"),
        (r"(?:monthly|daily) active users|annual revenue|revenues? (?:of|above|exceed)"
         r"|million (?:users|dollars)", "adds a threshold"),
        (r"provided that|on condition that|only if|as long as|subject to (?:the following"
         r"|additional|these|further|our|its own|the terms below)", "adds a condition"),
    ])


# A sentence that grants commercial use ("fully open for academic research and free for
# commercial use") limits no field of use, whatever else it names.
_GRANTS_COMMERCIAL_SOURCE = (
    r"(?<!not )(?<!never )(?:free|open|available|permitted|allowed|licensed) (?:\w+ ){0,2}for "
    r"commercial (?:use|usage|purposes?)|commercial (?:use|usage) (?:is |are )?(?:also )?"
    r"(?:permitted|allowed|free)(?![\w>])|(?:permits|allows) commercial (?:use|usage)")


# wording that grants rather than limits ("for any purpose, even commercially"; "including
# commercial use, without asking permission"; "you may use the weights")
_GRANTED_SOURCE = (
    r"(?<![\w<])(?:(?:even|including|incl|also|and|or) (?:for )?(?:\w+ )?commercial(?:ly)?"
    r"(?: (?:use|uses|usage|purposes?))?|for any purpose|free (?:\w+ ){0,2}for (?:\w+ ){0,2}"
    r"commercial (?:use|usage|purposes?)|(?:must|shall) (?:adhere|comply|conform) (?:to|with)"
    r"(?: all)? (?:the |this |applicable )?(?:<lic>|license|agreement|terms|laws?)"
    r"|(?:must|shall) be used in (?:accordance|compliance) with (?:the |this )?(?:<lic>|license"
    r"|agreement|terms|applicable laws?))(?![\w>])")


# A disclaimer of intended use warns and takes no right away: "not intended for medical use",
# "not designed or tested for use in ...", "should not be relied upon for legal advice", "not
# a substitute for professional advice". Only the limit no known phrase names is read so;
# a sentence that also speaks of licensing, permission or of what licenses limit (commercial,
# research, production, a place, a kind of user, a price) stays a restriction: "not intended
# or licensed for use in ...", "not intended for commercial use", "... in the EU".
_DISCLAIMED_SOURCE = (
    r"(?<![\w<])(?:(?:is|are|was|were|has|have|been|be) )*not (?:\w+ )?(?:intended|designed"
    r"|meant|suitable|suited|evaluated|tested|validated|verified|ready)"
    r"(?: (?:or|and|nor) (?:intended|designed|meant|evaluated|tested|validated|verified))*"
    r"|(?:should|must|can|may) not be relied (?:up)?on|not (?:be )?relied (?:up)?on"
    r"|not (?:a |an )?(?:substitute|replacement) for(?![\w>])")
_DISCLAIMER_VETO = (USE_OBJECTS - {
    "use", "uses", "usage", "using", "purpose", "purposes", "applications"}) | {
    "license", "licensed", "licenses", "licensing", "sublicense", "permitted", "permission",
    "allowed", "authorized", "authorised", "authorization", "authorisation", "prohibited",
    "forbidden", "employees", "minors", "children", "outside", "states", "nations", LIC,
    # "not intended for any use beyond (other than, except) ...": what is left is a limit
    "beyond", "except", "excluding", "other", "only", "solely", "exclusively", "besides"}
# A disclaimer that names a commercial field ("not intended for use in products or
# services", "... for monetization", "... for uses that generate income") takes the
# commercial right away: a restriction, never a disclaimer (issue 11, fail closed).
# Selling or earning, the narrowest commercial field (licscan.evidence.wording reads a card's
# "not intended for resale" with it, where "not intended for products" may be a warning)
SELLING = frozenset({"sale", "sales", "sell", "sells", "selling", "sold", "resale", "resell",
                     "resold", "income", "paid", "fee", "fees"})
MONETISING_STEMS = ("commerci", "monetiz", "monetis", "revenue", "profit", "forprofit")
_COMMERCIAL_FIELD = SELLING | frozenset({
    "product", "products", "service", "services", "app", "apps", "application",
    "applications", "platform", "platforms", "offering", "offerings", "offered", "deploy",
    "deployed", "deploying", "deployment", "deployments", "production", "business",
    "businesses", "customer", "customers", "client", "clients", "consumer", "consumers",
    "money", "monetary", "gain", "earn", "earning", "earnings", "pay",
    "payment", "price", "priced", "pricing", "hosting", "hosted", "saas",
    "market", "marketed", "enterprise", "enterprises", "company", "companies", "third",
    "distribution", "redistribution", "distribute", "redistribute", "public",
})
_COMMERCIAL_STEMS = (*MONETISING_STEMS, "remunerat", "compensat")
# "healthcare applications" names a field of care, not of trade
_APPLICATION_FIELDS = frozenset({
    "medical", "clinical", "healthcare", "health", "critical", "safetycritical", "safety",
    "legal", "financial", "diagnostic", "diagnosis", "risk", "highrisk"})
# "not intended for use by ...": who may use it is a limit, whatever the wording
_USE_BY = re.compile(r"(?<![\w<])(?:use|used|using) by(?![\w>])")


@dataclass(frozen=True)
class _Compiled:
    boilerplate: re.Pattern[str]
    scope: re.Pattern[str]
    data_scope: re.Pattern[str]
    patterns: tuple[tuple[re.Pattern[str], str], ...]
    grants_commercial: re.Pattern[str]
    granted: re.Pattern[str]
    disclaimed: re.Pattern[str]


@cache
def _compiled() -> _Compiled:
    """The patterns, compiled on first use: identifying a reference text exactly needs none
    (start-up of `licscan identify`)."""
    return _Compiled(re.compile(_BOILERPLATE_SOURCE), re.compile(_SCOPE_SOURCE),
                     re.compile(_DATA_SCOPE_SOURCE),
                     tuple((re.compile(p), why) for p, why in _PATTERN_SOURCES),
                     re.compile(rf"(?<![\w<])(?:{_GRANTS_COMMERCIAL_SOURCE})"),
                     re.compile(_GRANTED_SOURCE), re.compile(_DISCLAIMED_SOURCE))


@dataclass(frozen=True)
class Qualifying:
    start: int  # token index where the qualifying words start
    reason: str


def find(tokens: Sequence[str], names: Iterable[tuple[int, int]] = ()) -> list[Qualifying]:
    """Qualifying phrases in `tokens`; `names` are (start, end) token spans of license names,
    which are read as one `<lic>` token."""
    text, offsets, starts = _read(tokens, names)
    found: list[Qualifying] = []
    seen: set[str] = set()
    for pattern, why in _compiled().patterns:
        for match in pattern.finditer(text):
            index = _word_at(offsets, match.start())
            if why not in seen:
                seen.add(why)
                found.append(Qualifying(starts[index] if index < len(starts) else 0, why))
            break
    if any(q.reason == FIELD_OF_USE for q in found) and \
            _compiled().grants_commercial.search(text):
        found = [q for q in found if q.reason != FIELD_OF_USE]
    return sorted(found, key=lambda q: q.start)


def is_scope(tokens: Sequence[str], names: Iterable[tuple[int, int]] = ()) -> bool:
    """Does the sentence say what the license covers, or that other material (code, data,
    inputs, a base model) is under other terms? ("This license applies to the model
    weights", "The code is licensed under MIT", "The corpus is not covered by this license
    and remains subject to its own terms.") Such a sentence adds no terms to the license."""
    text, _offsets, _starts = _read(tokens, names, blank=False)
    if _compiled().data_scope.search(text) is not None:
        return True
    return any(not _limits_use(m.group(0), text[m.end():m.end() + _OBJECT_REACH])
               for m in _compiled().scope.finditer(text))


_OBJECT_REACH = 60  # characters after a scope phrase that hold its object


_COVERS = frozenset({"apply", "applies", "cover", "covers", "govern", "governs", "extend",
                     "extends"})


def _limits_use(phrase: str, after: str) -> bool:
    """A statement of what the license covers whose object is a use, a purpose or a kind of
    user: "applies only to non-commercial use", "does not apply to commercial users"."""
    return bool(_COVERS & set(phrase.split(" "))) and \
        any(w in USE_OBJECTS for w in after.split(" ")[:8])


def restrictive(tokens: Sequence[str], names: Iterable[tuple[int, int]] = ()
                ) -> Qualifying | None:
    """Fail closed: a sentence no known phrase qualifies, that is no standard notice, scope
    statement, credit duty or disclaimer, and still limits a use ("You cannot use this model
    commercially", "Not for use in the EU", "Commercial users must pay a fee") qualifies the
    license it accompanies. A limit needs a limiting word (a negation, "only", "must", a
    price, "prohibit", "restrict", "require") and something used or limited (a use, a
    purpose, a kind of user, a place): "the patches are not distributed as GGUFs" or "the
    terms page does not list Gemma 4" limit nothing."""
    if is_scope(tokens, names):
        return None
    text, offsets, starts = _read(tokens, names)
    text = _compiled().granted.sub(_blank, text)
    disclaimed = _compiled().disclaimed.search(text)
    if disclaimed is not None and commercial_field(text.split(" ")):
        return Qualifying(starts[_word_at(offsets, disclaimed.start())], RESTRICTS)
    if not _DISCLAIMER_VETO & set(text.split(" ")) and not _USE_BY.search(text):
        text = _compiled().disclaimed.sub(_blank, text)
    words = text.split(" ")
    limits = [(n, w) for n, w in enumerate(words) if _limiting(w)]
    if not limits or not any(w in _USE_CONTEXT for w in words):
        return None
    kinds = {w for _n, w in limits}
    present = set(words)
    if present & CREDIT and not kinds - DUTY:
        return None  # "you must give appropriate credit", "a copy must be included"
    if present & _DISCLAIMER and not kinds - _NEGATION:
        return None  # "the authors are not liable for any damages"
    return Qualifying(starts[limits[0][0]], RESTRICTS)


def commercial_field(words: Sequence[str]) -> bool:
    """Does the sentence name a commercial field (a product, a service, a sale, income)?
    "applications" only when no field of care or risk comes before it."""
    for n, word in enumerate(words):
        if word in ("application", "applications"):
            if n == 0 or words[n - 1] not in _APPLICATION_FIELDS:
                return True
        elif word in _COMMERCIAL_FIELD or word.startswith(_COMMERCIAL_STEMS):
            return True
    return False


def _blank(match: re.Match[str]) -> str:
    return " ".join("~" * len(w) for w in match.group(0).split(" "))


def _limiting(word: str) -> bool:
    return word in _LIMITING or word.startswith(_LIMITING_STEMS)


def about_data(tokens: Sequence[str], names: Iterable[tuple[int, int]] = ()) -> bool:
    """Does the sentence give the license of training or third-party data ("certain
    training datasets carry a CC BY-SA 4.0 license")? The license it names is no license
    of the model or its repository."""
    text, _offsets, _starts = _read(tokens, names, blank=False)
    return _compiled().data_scope.search(text) is not None


def about_subject(tokens: Sequence[str]) -> bool:
    """Does the sentence speak of the licensed model itself?"""
    return any(t in _SUBJECT for t in tokens)


def _read(tokens: Sequence[str], names: Iterable[tuple[int, int]], blank: bool = True
          ) -> tuple[str, list[int], list[int]]:
    """The sentence as one string with license names as `<lic>` and boilerplate blanked,
    the character offset of each word, and each word's token index."""
    spans = sorted(names)
    words: list[str] = []
    starts: list[int] = []
    position = 0
    for start, end in spans:
        if start < position:
            continue
        words.extend(tokens[position:start])
        starts.extend(range(position, start))
        words.append(LIC)
        starts.append(start)
        position = end
    words.extend(tokens[position:])
    starts.extend(range(position, len(tokens)))
    text = " ".join(words)
    offsets = []
    at = 0
    for word in words:
        offsets.append(at)
        at += len(word) + 1
    if blank:
        text = _compiled().boilerplate.sub(
            lambda m: " ".join("~" * len(w) for w in m.group(0).split(" ")), text)
    return text, offsets, starts


def without_boilerplate(tokens: Sequence[str]) -> list[str]:
    """The tokens that are not part of a standard notice (the Apache or GPL header)."""
    text, _offsets, _starts = _read(tokens, ())
    return [w for w in text.split(" ") if w and not w.startswith("~")]


def _word_at(offsets: Sequence[int], char: int) -> int:
    low, high = 0, len(offsets) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if offsets[middle] <= char:
            low = middle
        else:
            high = middle - 1
    return low
