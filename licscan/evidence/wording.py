"""What a sentence of a model card's body says about commercial use: whether it limits it
("research use only", "you may not use it commercially"), makes it a matter to ask about ("for
commercial use, contact us"), demands a license of businesses or production use, or disclaims a
commercial field ("not intended for products"). Sentences, sections and the card's structure
are read by licscan.evidence.card; this module only reads wording."""

from __future__ import annotations

import re
from collections.abc import Callable

_RESTRICTION = re.compile(
    r"\bnon[-\s]?commercial\b"
    r"|\bnot\s+(?:be\s+)?(?:used\s+)?(?:for|in)\s+(?:any\s+)?commercial\b"
    r"|\bno\s+commercial\s+(?:use|usage|purposes?)\b"
    r"|\bcommercial\s+(?:use|usage|purposes?|deployment)\s+(?:is|are)\s+(?:strictly\s+)?"
    r"(?:not\s+(?:permitted|allowed)|prohibited|forbidden|not\s+granted)\b"
    r"|\bprohibits?\s+(?:any\s+)?commercial\b"
    r"|\b(?:academic|research|educational|personal|evaluation)"
    r"(?:\s+(?:and|or|&)\s+(?:academic|research|educational|personal|evaluation))?"
    r"\s+(?:purposes?\s+|use\s+|usage\s+)?only\b"
    r"|\bonly\s+(?:for|to\s+be\s+used\s+for)\s+(?:non[-\s]?commercial|academic|research"
    r"|personal|educational|evaluation)\b"
    # "you cannot use these weights commercially", "never use this model commercially"
    r"|\b(?:cannot|can\s*not|can't|may\s+not|must\s+not|shall\s+not|should\s+not|never"
    r"|do\s+not|don't|not\s+to)\s+(?:be\s+)?(?:\w+\s+){0,6}commercially\b"
    r"|\bnot\s+(?:be\s+)?(?:used|deployed|offered|sold|exploited)\s+commercially\b",
    re.IGNORECASE)
_BOTH_WAYS = re.compile(r"\bcommercial\s+(?:and|or|&|as\s+well\s+as)\s+non[-\s]?commercial"
                        r"|\bnon[-\s]?commercial\s+(?:and|or|&|as\s+well\s+as)\s+commercial",
                        re.IGNORECASE)


# A sentence of a card's body restricts use when licscan's qualifier detection
# (licscan.identify.qualify, which finds the passages that make a license custom) finds a
# limit on use in it, and it speaks of a field of use with a limiting word. Other
# prohibitions ("should not be used to generate harmful content") are use policies, not a
# limit on commercial use, and are left to the license's own terms.
_FIELD_HINT = re.compile(r"commerc|research|academic|personal|educational|evaluation|profit",
                         re.IGNORECASE)
_FIELD_WORDS = frozenset({"commercial", "commercially", "noncommercial", "noncommercially",
                          "research", "academic", "personal", "educational", "evaluation",
                          "nonprofit", "profit"})
_LIMIT_WORDS = frozenset({"only", "solely", "exclusively", "not", "no", "never", "cannot",
                          "cant", "dont", "mustnt", "restricted", "limited", "prohibited",
                          "forbidden", "requires", "required", "require"})


# (canonical tokens) "use is restricted to research and evaluation"
_LIMITED_TO = re.compile(r"\b(?:restricted|limited|confined) to (?:\w+ ){0,3}(?:research|academic"
                         r"|noncommercial|personal|educational|evaluation|nonprofit)\b")


def restricts_use(sentence: str) -> bool:
    """Whether a sentence of a card's body limits commercial use or the field of use
    ("may only be used for research", "you may not use this model for commercial purposes",
    "commercial use requires a separate license", "for commercial use, please contact us")."""
    if mentions_restriction(sentence) or demands_license(sentence):
        return True
    if not _FIELD_HINT.search(sentence):
        return False
    if asks_for_commercial_terms(sentence):
        return True
    from licscan.identify import qualify
    from licscan.identify.normalize import words

    tokens = tuple(_NO_PERMISSION_NEEDED.sub(" ", " ".join(words(sentence))).split())
    present = set(tokens)
    limits = present & _LIMIT_WORDS
    if not present & _FIELD_WORDS or not limits or qualify.is_scope(tokens):
        return False
    if present & qualify.CREDIT and not limits - qualify.DUTY:
        return False  # "commercial use requires attribution", "... that you include the
        #               notice": a duty, not a limit (qualify's credit and duty words)
    reasons = {q.reason for q in qualify.find(tokens)}
    return bool(reasons & _use_limits()) or bool(_LIMITED_TO.search(" ".join(tokens)))


# "no permission is required", "without asking permission", "you do not need a license": a
# requirement denied, not made (matched on canonical tokens and on plain text, where it is
# taken out before a requirement is looked for)
_NO_PERMISSION_NEEDED = re.compile(
    r"\b(?:no(?:\s+need(?:\s+to)?)?|without(?:\s+(?:needing|having)(?:\s+to)?)?"
    r"|(?:not|dont|don't|doesnt|doesn't|never)\s+(?:need|require|have\s+to|has\s+to))"
    r"\s+(?:\w+\s+){0,3}?"
    r"(?:permission|licen[cs]es?|approval|consent|authori[sz]ation|agreement)\b"
    r"(?:\s+(?:is|are)\s+(?:\w+\s+)?(?:required|needed|necessary)\b)?", re.IGNORECASE)

# "For commercial use, please contact us", "commercial licensing inquiries", "contact us for
# a commercial license", "commercial use requires prior authorization": commercial use is on
# terms still to be agreed, so it is not granted. A mention of commercial use (not
# "commercial support", "commercial partners") with a request to ask, or a requirement of
# permission; a sentence that grants commercial use without a "but" is no such request
# ("Commercial use is permitted; for questions, contact us").
_COMMERCIAL_USE = re.compile(
    r"\bcommercially\b|\bcommercial[\s-]+(?:use(?!\s+cases?\b)|usage|uses|purposes?|licen[cs]\w*"
    r"|deployments?|applications?|products?|settings?|contexts?|projects?|exploitation|rights"
    r"|terms|agreements?|access|activit(?:y|ies)|entit(?:y|ies)|users?|organi[sz]ations?"
    r"|companies|redistribution|distribution|offerings? of|inquir(?:y|ies)|enquir(?:y|ies))\b",
    re.IGNORECASE)
_ASK = re.compile(
    r"\b(?:contact(?:ing|ed)?|reach(?:ing|ed)?\s+out|get\s+in\s+touch"
    r"|(?<!by\s)(?<!via\s)e-?mail(?:ing|ed)?"
    r"|write\s+to"
    r"|talk\s+to|speak\s+(?:to|with)|inquir\w*|enquir\w*|apply\s+for|request(?:ing)?"
    r"|ask(?:ing)?\s+(?:us|for)|on\s+request|upon\s+request|by\s+arrangement)\b"
    r"|\b(?:requires?|required|needs?|subject\s+to|obtain(?:ing)?|purchas\w*|buy(?:ing)?"
    r"|acquir\w*|negotiat\w*|sign(?:s|ed|ing)?)\s+(?:\w+\s+){0,3}?(?:permission|authori[sz]ation|approval|consent"
    r"|agreement|licen[cs]e|contract|arrangement)"
    r"|\b(?:permission|authori[sz]ation|approval|consent)\s+(?:\w+\s+){0,2}?(?:is|are)\s+"
    r"(?:\w+\s+)?(?:required|needed|necessary)"
    r"|\bcommercial\s+licen[cs](?:es?|ing)\s+(?:is|are)\s+(?:\w+\s+)?(?:available|offered)",
    re.IGNORECASE)
_GRANTS_COMMERCIAL = re.compile(
    r"\b(?:can|may|are\s+free\s+to|are\s+welcome\s+to|is\s+free\s+to"
    r"|lets?\s+(?:you|users|anyone))\s+(?:\w+\s+){0,4}?(?:commercially|for\s+commercial)\b"
    r"|\bcommercial\s+(?:use|usage|uses)\s+(?:is\s+|are\s+)?(?:also\s+|fully\s+)?(?:permitted"
    r"|allowed|free|granted|welcome|fine|ok)\b"
    r"|\b(?:permits?|allows?|allowing|permitting|grants?)\s+(?:\w+\s+)?commercial\b"
    r"|(?<!not )(?<!n't )\b(?:free|open|available|licensed|released|suitable|ready|approved"
    r"|usable)\s+(?:\w+\s+){0,2}?for\s+(?:\w+\s+)?commercial\b"
    r"|\b(?:including|even|also)\s+(?:for\s+)?commercial(?:ly)?\b", re.IGNORECASE)
# after a grant, what takes it back: a condition ("only", "after you sign", "with a paid
# license"), or a clause after ";" that requires something ("...; larger companies must
# contact us"), unlike one that merely invites ("...; contact us with any questions")
_UNLESS = re.compile(
    r"\b(?:but|however|provided|only|first|prior|before|unless|subject\s+to)\b"
    r"|\b(?:after|once|upon)\s+(?:you\b|sign\w*|obtain\w*|purchas\w*|buy\w*|pay\w*"
    r"|regist\w*|approv\w*|agree\w*|request\w*|accept\w*)"
    r"|\bwith\s+(?:a|an|our)\s+(?:paid|separate|commercial|enterprise|written|signed|valid"
    r"|purchased)\s+(?:\w+\s+)?(?:licen[cs]e|agreement|contract|subscription|plan)\b"
    r"|;[^;]*?\b(?:must|need\s+to|needs\s+to|have\s+to|has\s+to|required|requires?)\b",
    re.IGNORECASE)


def asks_for_commercial_terms(sentence: str) -> bool:
    """Whether a sentence makes commercial use a matter to ask about ("For commercial use,
    please contact us", "commercial licenses are available on request", "commercial use
    requires prior written authorization"): commercial use is then not granted."""
    text = _NO_PERMISSION_NEEDED.sub(" ", " ".join(sentence.split()))
    if not _COMMERCIAL_USE.search(text) or not _ASK.search(text):
        return False
    grant = _GRANTS_COMMERCIAL.search(text)
    if grant is None:
        return True
    return any(not _courtesy(text, unless) for unless in _UNLESS.finditer(text, grant.end()))


# after a grant's "but" or "however", a courtesy asks nothing: "but we would love it if you
# contact us", "however, we'd be glad to hear from you" (unless the clause still requires
# something: "but we would appreciate it if you asked for a license first")
_BUT = re.compile(r"but|however", re.IGNORECASE)
_COURTESY = re.compile(
    r"\b(?:would|'d|’d|d)\s+(?:\w+\s+)?(?:love|appreciate|be\s+(?:glad|happy|grateful|delighted"
    r"|thrilled))\b|\bappreciated?\b|\bfeel\s+free\b|\b(?:love|happy|glad|delighted)\s+to\s+hear\b"
    r"|\bencourage[ds]?\b|\b(?:always|very)\s+welcome\b|\boptional(?:ly)?\b", re.IGNORECASE)
_STILL_REQUIRED = re.compile(
    r"\b(?:must|need|needs|required?|requires|only|first|prior|before|unless|provided|licen[cs]\w*"
    r"|permission|approv\w*|consent|agreement|authori[sz]ation|pay\w*|fees?|subscri\w*|sign\w*"
    r"|should|advance|beforehand|ahead|pric\w*|costs?|royalt\w*|terms|deals?|quotes?|discuss\w*)\b",
    re.IGNORECASE)


def _courtesy(text: str, unless: re.Match[str]) -> bool:
    """Whether what takes a grant back is a "but" whose clause (up to the next ";") only
    asks a courtesy."""
    if not _BUT.fullmatch(unless.group(0)):
        return False
    # (the clause: up to the next ";", sentence end or "but", at most _CLAUSE characters,
    # so that a card of many "but"s is read in linear time)
    clause = _CLAUSE_END.split(text[unless.end():unless.end() + _CLAUSE], maxsplit=1)[0]
    return bool(_COURTESY.search(clause)) and not _STILL_REQUIRED.search(clause)


_CLAUSE = 200
_CLAUSE_END = re.compile(r"[;.!?]|\b(?:but|however)\b", re.IGNORECASE)


# "Businesses must obtain a license", "companies need a commercial license", "enterprises must
# purchase a license", "for production use, contact us for a license": a license demanded of
# a trading party or of production use (canonical tokens; a denied need, "businesses do not
# need to buy a license", is taken out first)
_TRADING_PARTY = re.compile(
    r"\b(?:business|businesses|company|companies|enterprise|enterprises|corporations?|corporate"
    r"|firms?|organi[sz]ations?|startups?|vendors?|resellers?|forprofit|production|commercial"
    r"|commercially)\b")
_LICENSE = r"(?:licen[cs]es?|subscriptions?|contracts?|agreements?)\b"
_DEMAND = re.compile(
    r"\b(?:must|need|needs|needed|have to|has to|required to|requires?|required|should|shall"
    r"|will need|are to|is to)(?: to)? (?:first )?(?:(?:obtain|purchase|buy|acquire|get|secure"
    r"|sign|license|licence|pay for|apply for|request|negotiate) )?(?:(?:a|an|the|our|their"
    r"|your|its|one|separate|commercial|paid|enterprise|business|corporate|proper|valid|written"
    r"|appropriate|additional|production) ){0,3}" + _LICENSE +
    r"|\b(?:contact|email|reach out to|write to|ask|talk to|get in touch with) (?:\w+ ){0,3}?for "
    r"(?:a|an|our|the) (?:\w+ ){0,2}?" + _LICENSE +
    r"|\blicen[cs]es? (?:is|are|must be|has to be|have to be) (?:\w+ )?(?:required|needed"
    r"|necessary|purchased|obtained|bought)\b")


def demands_license(sentence: str) -> bool:
    """Whether a sentence demands a license (a subscription, a contract) of businesses,
    companies, enterprises or organisations, or for production or commercial use."""
    if not _DEMAND_HINT.search(sentence) or not _PARTY_HINT.search(sentence):
        return False  # most sentences: not tokenized
    from licscan.identify.normalize import words

    text = _NO_PERMISSION_NEEDED.sub(" ", " ".join(words(sentence)))
    return bool(_TRADING_PARTY.search(text)) and bool(_DEMAND.search(text))


_DEMAND_HINT = re.compile(r"licen[cs]|subscription|contract|agreement", re.IGNORECASE)
_PARTY_HINT = re.compile(r"business|compan|enterprise|corporat|firm|organi|startup|vendor"
                         r"|reseller|profit|production|commerc", re.IGNORECASE)


def _use_limits() -> frozenset[str]:
    from licscan.identify import qualify

    return qualify.NONCOMMERCIAL | {qualify.FIELD_OF_USE, "prohibits a use",
                                    "requires another license", "requires permission"}


def mentions_restriction(text: str) -> bool:
    """Whether a text limits commercial use somewhere (non-commercial, research only ...)."""
    return bool(_RESTRICTION.search(_BOTH_WAYS.sub(" ", " ".join(text.split()))))


_NAMED_TERMS = re.compile(r"licen[cs]|terms|legal|restrict|permitted|commercial", re.IGNORECASE)
_INTENDED_USE = re.compile(r"intended", re.IGNORECASE)


def section_test(title: str) -> Callable[[str], bool]:
    """How a section's sentences are read: under a license or terms heading a disclaimer of
    any commercial field limits use ("not intended for products"); under an intended-use
    heading one of a monetising field does ("not intended for resale"), and one of products,
    services or business unless a safety or device context qualifies it (safety wording there
    disclaims "safety-critical products", "production use without further safety testing",
    "deployment on mobile devices"); elsewhere neither does."""
    if _NAMED_TERMS.search(title):
        return _restricts_in_terms
    if _INTENDED_USE.search(title):
        return _restricts_in_intended_use
    return restricts_use


# "not intended for commercial use", "not designed for production or commercial deployment":
# under a license, terms or intended-use heading this limits the field of use (a commercial
# field is never a disclaimer, unlike "not intended for medical use").
_NOT_MEANT_FOR_COMMERCE = re.compile(
    r"\bnot\s+(?:\w+\s+){0,2}?(?:intended|designed|meant|made|built|suitable|licensed"
    r"|allowed|permitted|authori[sz]ed|approved)\s+(?:to\s+be\s+used\s+)?for\s+"
    r"(?:[\w-]+\s+){0,3}?(?:commercial|monetization|monetisation|monetizing|monetising)",
    re.IGNORECASE)


# (canonical tokens) "not intended for products", "not designed to be used in services", "must
# not be used in paid applications", "not for resale": a use disclaimed or refused, whose
# field (what follows) is a commercial one in the sense of qualify.commercial_field, or,
# read narrowly, a monetising one (_monetising_field)
_NOT_FOR = re.compile(
    r"\bnot (?:\w+ ){0,2}?(?:intended|designed|meant|made|built|suitable|suited|licensed"
    r"|allowed|permitted|authori[sz]ed|approved|cleared)\b"
    r"|\b(?:(?:may|must|shall|can|should|will) not|cannot|cant|mustnt|shouldnt|wont) (?:be )?"
    r"(?:\w+ )?(?:used|deployed|offered|sold|incorporated|integrated|embedded|included|shipped"
    r"|distributed|provided|hosted|marketed)\b"
    r"|\bnot for\b")


# (canonical tokens) a field of selling or earning, not merely of products or deployment:
# qualify's selling words and stems, and these
_MONETISING_MORE = frozenset({"resells", "reselling", "subscription", "subscriptions"})


def _monetising_field(words: list[str]) -> bool:
    from licscan.identify import qualify

    return any(w in qualify.SELLING or w in _MONETISING_MORE
               or w.startswith(qualify.MONETISING_STEMS) for w in words)


def disclaims_commercial_field(sentence: str, monetising_only: bool = False) -> bool:
    """Whether a sentence says the model is not meant (or not to be used) for a commercial
    field: "not intended for products", "not designed for use in commercial services", "must
    not be used in paid applications". In a license or terms section this limits the field
    of use; "not intended for medical use" names no commercial field. `monetising_only`: only
    a field of selling or earning counts ("not for resale", "paid applications"), not
    products, services or deployment."""
    from licscan.identify import qualify
    from licscan.identify.normalize import words

    text = " ".join(words(sentence))
    refused = _NOT_FOR.search(text)
    if refused is None:
        return False
    field = text[refused.end():].split()
    return _monetising_field(field) if monetising_only else qualify.commercial_field(field)


def _restricts_in_terms(sentence: str) -> bool:
    return restricts_use(sentence) or bool(
        _NOT_MEANT_FOR_COMMERCE.search(" ".join(sentence.split()))) or \
        disclaims_commercial_field(sentence)


def _restricts_in_intended_use(sentence: str) -> bool:
    return restricts_use(sentence) or bool(
        _NOT_MEANT_FOR_COMMERCE.search(" ".join(sentence.split()))) or \
        disclaims_commercial_field(sentence, monetising_only=True) or \
        any(_disclaims_trade_field(clause) for clause in sentence.split(";"))


# (canonical tokens) a field of trade short of selling: products, services, SaaS, business,
# customer-facing use. Production and deployment are not among them: alone they are what
# safety wording disclaims ("not intended for production use without further testing").
_TRADE_FIELD = frozenset({"product", "products", "service", "services", "saas", "business",
                          "businesses"})
_FACING = frozenset({"customer", "customers", "client", "clients"})
# (canonical tokens, joined) a safety, care, device, audience or technical context that makes
# a disclaimed product or service a warning, not a limit: "safety-critical products",
# "products that make hiring decisions", "real-time services", "services ... without review"
_QUALIFIER = re.compile(
    r"\b(?:safety|safetycritical|critical|medical|clinical|healthcare|health|diagnostic"
    r"|diagnosis|risk|highrisk|life|legal|financial|mobile|embedded|edge|devices?|hardware"
    r"|children|child|minors|kids|decisions?|hiring|harm|harmful|autonomous|weapons?|military"
    r"|real time|realtime|latency|testing|tested|evaluation|review|oversight|moderation"
    r"|safeguards|supervision|validation)\b")
_BEFORE, _AFTER = 3, 4  # words read either side of a field word for its qualifier


def _disclaims_trade_field(clause: str) -> bool:
    """Whether a clause disclaims a field of trade ("not intended for use in products or
    services", "not designed for customer-facing services") that no safety or device context
    qualifies: every field word is read with the few words before it and those after it up to
    the next field word, so "products or services, nor for safety-critical systems" still
    limits use while "safety-critical products" and "products aimed at minors" do not."""
    from licscan.identify.normalize import words

    text = " ".join(words(clause))
    refused = _NOT_FOR.search(text)
    if refused is None:
        return False
    field = text[refused.end():].split()
    at = [n for n, w in enumerate(field) if w in _TRADE_FIELD
          or (w in _FACING and field[n + 1:n + 2] == ["facing"])]
    for k, n in enumerate(at):
        end = min(n + 1 + _AFTER, at[k + 1] if k + 1 < len(at) else len(field))
        around = " ".join(field[max(0, n - _BEFORE):n] + field[n + 1:end])
        if not _QUALIFIER.search(around):
            return True
    return False


# An FAQ's answer: "Can I use it commercially? No." and "Is a license required for commercial
# use? Yes." both deny commercial use; "Is commercial use allowed? Yes." and "Do I need
# permission for commercial use? No." grant it. Read on the last question only (the text
# after the previous "?") and the answer's first words.
_QUESTION_ABOUT = re.compile(r"commerci|business|compan(?:y|ies)|enterprise|corporat"
                             r"|for[-\s]?profit|monetis|monetiz|\bsell", re.IGNORECASE)
_QUESTION_UNCLEAR = re.compile(  # a negated or credit question: its "no" says nothing clear
    r"\bnot\b|n't\b|n’t\b|\bcannot\b|\bnever\b|\bwithout\b|\bcite\b|credit|attribut|acknowledg"
    r"|\bmention|\bnotice", re.IGNORECASE)
_ASKS_IF_LIMITED = re.compile(
    r"\b(?:need|needs|needed|require\w*|have\s+to|has\s+to|must|restrict\w*|prohibit\w*"
    r"|forbid\w*|banned|limit\w*|fees?|pay|paid|paying|cost|costs|charge\w*|price\w*)\b",
    re.IGNORECASE)
_ASKS_IF_ALLOWED = re.compile(
    r"\b(?:can|could|may|allow\w*|permit\w*|permissible|ok|okay|fine|legal|possible|free"
    r"|able|licensed|authori[sz]ed)\b", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"[\s*_>:-]*(?:(?:a|answer)\s*[:.)]+[\s*_]*)?", re.IGNORECASE)
_ANSWER_NO = re.compile(
    r"(?:(?:unfortunately|sadly|sorry|currently|at\s+present)\W+)?(?:no|nope|nah|not(?:\s+(?:yet"
    r"|currently|really|now|at\s+(?:the\s+moment|this\s+time|present)|for\s+now))?)"
    r"(?:\W*$|[ \t]*[^\w\s'’])|not\s+without\b", re.IGNORECASE)
_ANSWER_YES = re.compile(r"(?:yes|yep|yeah|correct|indeed)(?:\W*$|[ \t]*[^\w\s'’])",
                         re.IGNORECASE)
_ANSWER_READ = 60  # characters of an answer read for its "yes" or "no"
_ANSWER_REST = 300  # ... and for a condition that takes a granting answer back
_ANSWER_CONDITION = re.compile(
    r"\b(?:but|unless|only|except|though|however|must|needs?|required?|requires|permission"
    r"|approv\w*|pay|fees?|royalt\w*|subscri\w*)\b",
    re.IGNORECASE)


def answer_to(question: str, answer: str) -> bool | None:
    """How `answer` answers `question`, a question about commercial use: True when it denies
    commercial use ("no" to whether it is allowed: "Can I use it commercially? No."; a short
    question, "Commercial use? No.", asks that too; "yes" to whether it is limited or needs a
    license or a fee), False when it grants it ("Do I need a license for commercial use? No."),
    None when it is no yes or no, or the question is negated, about credit or unclear."""
    head = _ANSWER_PREFIX.sub("", answer[:_ANSWER_READ], count=1)
    no, yes = bool(_ANSWER_NO.match(head)), bool(_ANSWER_YES.match(head))
    text = question.rstrip()
    if not (no or yes) or not text.endswith("?"):
        return None  # most sentences: no answer, read no further
    asked = text[text.rfind("?", 0, len(text) - 1) + 1:]
    if not _QUESTION_ABOUT.search(asked) or _QUESTION_UNCLEAR.search(asked):
        return None
    limited = bool(_ASKS_IF_LIMITED.search(asked))
    allowed = bool(_ASKS_IF_ALLOWED.search(asked)) or (len(asked.split()) <= 4 and not limited)
    if limited == allowed:
        return None
    denies = yes if limited else no
    if not denies:
        # a grant takes nothing back in the rest of its answer ("No, but you need our written
        # permission", "No, unless you are a company" deny)
        rest = _NO_PERMISSION_NEEDED.sub(" ", answer[:_ANSWER_REST])
        if _ANSWER_CONDITION.search(rest):
            return True
    return denies


def answer_denies(question: str, answer: str) -> bool:
    """Whether `answer` answers `question` so that commercial use is not granted."""
    return answer_to(question, answer) is True
