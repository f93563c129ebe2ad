"""The HTML report: one self-contained page for legal review, from `templates/report.html.j2`.

Everything shown comes from the JSON report (`report_dict`), so a saved scan renders the same
page as a fresh one. Model-controlled text is data, never markup: autoescaping is always on,
links are kept only for http(s) URLs, control and bidi characters are shown escaped, and a
Content-Security-Policy allows nothing but the page's own inline style and script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from licscan._resources import templates_dir
from licscan.model import Lineage, ScanResult
from licscan.redact import printable
from licscan.report.json_report import report_dict
from licscan.report.model_view import (
    FLAG_LABELS,
    IF_DISTRIBUTED,
    ObligationRow,
    Reason,
    deciding_reasons,
    flag_scopes,
    flag_words,
    main_condition,
    obligation_rows,
    severity_key,
)
from licscan.report.untrusted import as_dict as _dict
from licscan.report.untrusted import as_list as _list
from licscan.terms.typed import FLAGS_CLAUSE
from licscan.vocab import SEVERITIES, VERDICTS, FlagValue, Permission, Verdict, strictness

# shown with the word, not instead
VERDICT_MARKS: dict[str, str] = {Verdict.ALLOW: "✓", Verdict.REVIEW: "!", Verdict.DENY: "✕"}
DUTY_WORDS: dict[str, str] = {FlagValue.YES: "Yes", FlagValue.NO: "No",
                              FlagValue.UNKNOWN: "Unknown"}
TRI_WORDS: dict[str, str] = {
    Permission.ALLOWED: "Allowed", Permission.CONDITIONAL: "With conditions",
    Permission.PROHIBITED: "Not allowed", Permission.UNKNOWN: "Unknown"}
CONFIDENCE_WORDS = {"P": "the license text", "P-card": "the official model card",
                    "S": "a secondary source", "?": "not found in any source"}
EVIDENCE_KINDS = {"card-field": "Card field", "license-file": "License file",
                  "notice-file": "Notice file", "use-policy-file": "Use policy file",
                  "readme-text": "README text", "lineage": "Lineage",
                  "dataset-card": "Dataset card"}
CONTEXT_LABELS = {"use": "Intended use", "monthly_active_users": "Monthly active users",
                  "annual_revenue_usd": "Annual revenue (USD)", "regions": "Regions",
                  "distribution": "Distribution", "multimodal": "Multimodal"}
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>`\\]+", re.IGNORECASE)
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?")
_REVISION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")
_TOKEN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_PRINCIPAL = ("value", "answer", "text", "summary", "name")
_LABELS = ("question", "label", "term", "id", "type", "condition")
_MAX_DEPTH = 6


# --- small helpers on untrusted JSON -------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def humanize(key: Any) -> str:
    text = _text(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def safe_url(value: Any) -> str | None:
    """The URL when it is a plain http(s) URL, else None (the caller shows it as text)."""
    return value if isinstance(value, str) and _URL.fullmatch(value) else None


def hub_url(model: Mapping[str, Any], path: str | None = None, line: Any = None) -> str | None:
    """The model (or one of its files) on the Hub at the scanned revision."""
    mid, rev = model.get("id"), model.get("revision")
    if model.get("source") != "hub" or not isinstance(mid, str) or not _HUB_ID.fullmatch(mid):
        return None
    if not isinstance(rev, str) or not _REVISION.fullmatch(rev):
        return f"https://huggingface.co/{mid}" if path is None else None
    if path is None:
        return f"https://huggingface.co/{mid}/tree/{quote(rev, safe='')}"
    anchor = f"#L{line}" if isinstance(line, int) and line > 0 else ""
    return f"https://huggingface.co/{mid}/blob/{quote(rev, safe='')}/{quote(path)}{anchor}"


def base_url(model_id: Any) -> str | None:
    return f"https://huggingface.co/{model_id}" if isinstance(model_id, str) and \
        _HUB_ID.fullmatch(model_id) and "/" in model_id else None


def confidence(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:g}%"
    word = CONFIDENCE_WORDS.get(str(value))
    return f"{value} ({word})" if word else _text(value)


# --- facts: terms, conditions and answers as rows ------------------------------------------

def _cite(node: Mapping[str, Any]) -> tuple[str, str]:
    cite = _dict(node.get("cite"))
    clause = cite.get("clause", node.get("clause"))
    return _text(clause), confidence(cite.get("confidence", node.get("confidence")))


def _word(value: Any) -> str:
    """An enum-like token in plain words; free text and URLs as they are."""
    if isinstance(value, str):
        return TRI_WORDS.get(value) or (humanize(value) if _TOKEN.fullmatch(value) else value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(_word(v).lower() if isinstance(v, str) and _TOKEN.fullmatch(v)
                         else _word(v) for v in value)
    return _text(value)


def facts(value: Any, label: str = "", depth: int = 0) -> list[dict[str, Any]]:
    """Flatten a terms-like structure into rows {label, text, clause, confidence, depth}."""
    if depth > _MAX_DEPTH:
        return [{"label": label, "text": "…", "clause": "", "confidence": "", "depth": depth}]
    if isinstance(value, list):
        return [row for item in value for row in facts(item, label, depth)]
    if not isinstance(value, dict):
        return [{"label": label, "text": _word(value), "clause": "", "confidence": "",
                 "depth": depth}]
    own = next((k for k in _LABELS if isinstance(value.get(k), str | int)), None)
    head = next((k for k in _PRINCIPAL if k in value and not isinstance(value[k], dict | list)),
                None)
    skip = {"cite", "clause", "confidence", own, head}
    details = [f"{humanize(k)}: {_word(v)}" for k, v in value.items()
               if k not in skip and not isinstance(v, dict | list) and v is not None]
    details += [f"{humanize(k)}: {_word(v)}" for k, v in value.items()
                if k not in skip and isinstance(v, list) and all(
                    not isinstance(i, dict | list) for i in v)]
    text = "; ".join(([_word(value[head])] if head else []) + details)
    clause, conf = _cite(value)
    rows = [{"label": humanize(value[own]) if own else label, "text": text, "clause": clause,
             "confidence": conf, "depth": depth}]
    for key, child in value.items():
        if key in skip or not isinstance(child, dict | list):
            continue
        if isinstance(child, list) and all(not isinstance(i, dict | list) for i in child):
            continue
        rows += facts(child, humanize(key), depth + 1)
    return rows


_TERM_KEYS = ("commercial_use", "modification", "distribution")


def term_groups(terms: Any) -> list[dict[str, Any]]:
    """Terms per rule id ({rule: terms}) as one group each; any other shape as one group."""
    if isinstance(terms, dict) and terms and all(
            isinstance(v, dict) and any(k in v for k in _TERM_KEYS) for v in terms.values()):
        return [{"rule": _text(rule), "rows": _term_rows(value)} for rule, value in terms.items()]
    return [{"rule": "", "rows": _term_rows(terms)}]


def _term_rows(terms: Any) -> list[dict[str, Any]]:
    if not isinstance(terms, dict):
        return facts(terms)
    rows = [row for key, value in terms.items() if isinstance(value, dict | list)
            for row in facts(value, humanize(key))]
    rows += [{"label": humanize(key), "text": _word(value), "clause": "", "confidence": "",
              "depth": 0} for key, value in terms.items() if not isinstance(value, dict | list)]
    return rows


# --- lineage --------------------------------------------------------------------------------

def lineage_view(lineage: Lineage | None) -> dict[str, Any]:
    """The base-model tree as indented rows, with the chain and what is inherited."""
    if lineage is None:
        return {"rows": [], "chain": "", "inherited": []}
    rows = []
    for node, depth in lineage.nodes(limit=500, max_depth=20):
        rev = node.scanned.revision if node.scanned else None
        rows.append({"id": node.id,
                     "url": hub_url({"id": node.id, "revision": rev, "source": "hub"}),
                     "relation": humanize(node.relation) or "Derivative",
                     "revision": _text(rev)[:12],
                     "license": _text(node.scanned.license if node.scanned else None),
                     "problem": _text(node.reason) if node.status != "ok" else "",
                     "depth": depth})
    inherited = [f"{i.rule} ({i.expression}) from {i.ancestor}"
                 + (f", {i.relation}" if i.relation else "") for i in lineage.inherited]
    return {"rows": rows, "chain": lineage.chain, "inherited": inherited}


# --- the model view -------------------------------------------------------------------------

def _difference(d: Any) -> dict[str, Any]:
    d = _dict(d)
    return {"kind": _text(d.get("kind")) or "changed", "text": _text(d.get("text")),
            "line": _text(d.get("line")), "guarded": d.get("guarded") is True,
            "reason": _text(d.get("reason"))}


def _match(match: Any) -> dict[str, Any]:
    match = _dict(match)
    return {"rule_id": _text(match.get("rule_id")), "name": _text(match.get("name")),
            "version": _text(match.get("version")), "status": _text(match.get("status")),
            "confidence": confidence(match.get("confidence")),
            "matcher": _text(match.get("matcher")),
            "differences": [_difference(d) for d in _list(match.get("differences"))]}


def evidence_view(m: Mapping[str, Any], ev: Any) -> dict[str, Any]:
    ev = _dict(ev)
    detail = _dict(ev.get("detail"))
    path = ev.get("path") if isinstance(ev.get("path"), str) else None
    where = ", ".join(x for x in (
        " line ".join(_text(x) for x in (path, ev.get("line")) if x),
        f"field {_text(ev['field'])}" if ev.get("field") else "") if x)
    matches = [_match(x) for x in _list(detail.get("matches"))]
    kind = ev.get("kind")
    return {"kind": EVIDENCE_KINDS.get(kind, humanize(kind)) if isinstance(kind, str) else "",
            "where": where or "(no location)",
            "value": _text(ev.get("value")), "revision": _text(ev.get("revision")),
            "sha256": _text(ev.get("sha256")), "source": _text(ev.get("source")),
            "url": hub_url(m, path, ev.get("line")) if path else None,
            "status": _text(detail.get("status")), "reason": _text(detail.get("reason")),
            "origin": _text(detail.get("origin")), "matches": matches,
            "modified": any(d["guarded"] or x["status"] == "modified"
                            for x in matches for d in x["differences"])}


def _finding(m: Mapping[str, Any], f: Any) -> dict[str, Any]:
    f = _dict(f)
    sev = f.get("severity")
    return {"code": _text(f.get("code")), "message": _text(f.get("message")),
            "severity": sev if sev in SEVERITIES else "info",
            "where": [evidence_view(m, e)["where"] for e in _list(f.get("evidence"))]}


def _declared(m: Mapping[str, Any]) -> dict[str, Any]:
    d = _dict(m.get("declared"))
    return {"license": _text(d.get("license")), "name": _text(d.get("license_name")),
            "link": _text(d.get("license_link")), "link_url": safe_url(d.get("license_link")),
            "expression": _text(d.get("expression"))}


def _waiver(w: Any) -> dict[str, Any]:
    w = _dict(w)
    state = w.get("status") if isinstance(w.get("status"), str) else \
        "expired" if w.get("expired") is True else "active"
    return {key: _text(w.get(key)) for key in
            ("model", "license", "reason", "approved_by", "expires", "why")} | \
        {"state": state, "tone": {"applied": "allow", "active": "allow", "expired": "deny"}
         .get(state, "info")}


def _dataset(d: Any) -> dict[str, Any]:
    d = _dict(d) if isinstance(d, dict) else {"id": d}
    notes = [_text(f.get("message") or f.get("code")) if isinstance(f, dict) else _text(f)
             for f in _list(d.get("findings"))]
    if d.get("status") == "error":
        notes.insert(0, f"not read: {_text(d.get('reason')) or 'error'}")
    url = base_url(d.get("id"))
    use = d.get("commercial_use")
    return {"id": _text(d.get("id")), "url": url and url.replace(".co/", ".co/datasets/", 1),
            "license": _text(d.get("license")) or _text(d.get("declared")) or "not declared",
            "commercial_use": use if isinstance(use, str) and use in TRI_WORDS else "unknown",
            "notes": notes}


def _answer(a: Any) -> dict[str, Any]:
    a = _dict(a)
    answer = a.get("answer")
    return {"term": humanize(a.get("term")) or "—",
            "answer": answer if isinstance(answer, str) and answer in TRI_WORDS else "unknown",
            "reason": _text(a.get("reason")), "rule": _text(a.get("rule")),
            "clause": _text(a.get("clause")), "confidence": confidence(a.get("confidence"))}


def all_evidence(m: Mapping[str, Any]) -> list[Any]:
    """The conclusion's evidence, then any other evidence a finding cites, each once."""
    seen: set[str] = set()
    out = []
    items = [*_list(_dict(m.get("license")).get("evidence")),  # a new list: the report's
             *(e for f in _list(m.get("findings")) for e in _list(_dict(f).get("evidence")))]
    for ev in items:
        e = _dict(ev)
        key = repr([e.get(k) for k in ("kind", "path", "field", "line", "revision")])
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def _obligation(row: ObligationRow) -> dict[str, Any]:
    return {"text": row.text or humanize(row.kind), "kind": humanize(row.kind),
            "trigger": row.trigger, "rule": row.rule, "clause": row.clause,
            "confidence": confidence(row.confidence or None), "note": row.note,
            "derived": row.clause == FLAGS_CLAUSE}


def _reason(reason: Reason) -> dict[str, str]:
    return {"headline": reason.headline,
            "detail": reason.detail if reason.detail != reason.headline else "",
            "code": reason.code}


def _rank(key: tuple[int, int]) -> int:
    """One number for the summary's Verdict column: higher is worse (deny, a model that could
    not be scanned, an unknown license first)."""
    order, known = key
    return (2 - order) * 3 + (2 - known)


def model_view(m: Any, index: int) -> dict[str, Any]:
    m = _dict(m)
    verdict = m.get("verdict") if m.get("verdict") in VERDICTS else "review"
    lic, flags, origin = _dict(m.get("license")), _dict(m.get("flags")), _dict(m.get("origin"))
    tri = {k: v if isinstance(v := flags.get(k), str) and v in TRI_WORDS else "unknown"
           for k in ("commercial_use", "modification", "distribution")}
    rows, key, scopes = obligation_rows(m), severity_key(m), flag_scopes(m)
    return {
        "anchor": f"model-{index}", "id": _text(m.get("id")) or "(no id)",
        "verdict": verdict, "rank": _rank(key), "key": key,
        "verdict_reason": _text(m.get("verdict_reason")),
        "decided_by": _text(m.get("decided_by")),
        "status": "error" if m.get("status") == "error" else "ok",
        "error": {k: _text(_dict(m.get("error")).get(k)) for k in ("kind", "message")},
        "source": _text(m.get("source")), "target": _text(m.get("target")),
        "revision": _text(m.get("revision")),
        "requested_revision": _text(m.get("requested_revision")),
        "hub_url": hub_url(m), "gated": _text(m.get("gated")),
        "origin": " line ".join(_text(x) for x in (origin.get("file"), origin.get("line")) if x),
        "declared": _declared(m),
        "concluded": {"expression": _text(lic.get("expression")), "name": _text(lic.get("name")),
                      "confidence": confidence(lic.get("confidence")),
                      "status": _text(lic.get("status")) or ("unresolved" if not lic else ""),
                      "reason": _text(lic.get("reason")), "rules": _text(lic.get("rules"))},
        "license_short": _text(lic.get("expression")) or (
            "error" if m.get("status") == "error" else "unresolved"),
        "license_name": _text(lic.get("name")),
        "flags": tri,
        "flag_rank": {k: strictness(v) for k, v in tri.items()},
        "duties": [{"label": FLAG_LABELS[key], "word": DUTY_WORDS[word], "value": word,
                    "scope": scopes[key]} for key, word in flag_words(m).items()],
        "main_condition": main_condition(m),
        "reasons": [_reason(r) for r in deciding_reasons(m)],
        "known": "error" if key[1] == 0 else "unknown" if key[1] == 1 else "known",
        "terms": term_groups(m.get("terms")) if m.get("terms") else [],
        "conditions": [_text(c) if not isinstance(c, dict) else
                       _text(c.get("text") or c.get("summary") or humanize(c.get("type")))
                       for c in _list(m.get("conditions"))],
        "answers": [_answer(a) for a in _list(m.get("context_answers"))],
        "obligations": [_obligation(o) for o in rows if o.applies_when != IF_DISTRIBUTED],
        "obligations_if_distributed": [_obligation(o) for o in rows
                                       if o.applies_when == IF_DISTRIBUTED],
        "findings": [_finding(m, f) for f in _list(m.get("findings"))],
        "evidence": [evidence_view(m, e) for e in all_evidence(m)],
        "waivers": [_waiver(w) for w in _list(m.get("waivers"))],
        "lineage": lineage_view(Lineage.of(m.get("lineage"))),
        "datasets": [_dataset(d) for d in _list(m.get("datasets"))],
        "notes": [_text(n) for n in _list(m.get("notes"))],
    }


def header_view(report: Mapping[str, Any]) -> dict[str, Any]:
    tool, pack = _dict(report.get("tool")), _dict(report.get("rulepack"))
    context = _dict(report.get("context"))
    return {"tool": f"{_text(tool.get('name')) or 'licscan'} {_text(tool.get('version'))}",
            "pack": " ".join(_text(pack.get(k)) for k in ("name", "version") if pack.get(k)),
            "pack_hash": _text(pack.get("hash")),
            "generated_at": _text(report.get("generated_at")) or "not recorded",
            "config": _text(report.get("config")) or "none (built-in defaults)",
            "schema_version": _text(report.get("schema_version")),
            "context": [(CONTEXT_LABELS.get(k) or humanize(k), _word(v))
                        for k, v in context.items() if v not in (None, "")]}


# --- rendering ------------------------------------------------------------------------------

def _finalize(value: Any) -> Any:
    """Every {{ }} value: model text has its control and bidi characters shown escaped."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value.replace("\r\n", "\n"))
    return value


@cache
def environment() -> Environment:
    # autoescape=True, not select_autoescape: escaping must not depend on a template's name.
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                      undefined=StrictUndefined, finalize=_finalize, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(tri_words=TRI_WORDS, verdict_marks=VERDICT_MARKS)
    return env


def _static(name: str) -> tuple[Markup, str]:
    """A static asset for inlining, and its CSP source expression."""
    text = (templates_dir() / name).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"  # our own file, never model text


def content_security_policy(style_hash: str, script_hash: str) -> str:
    return (f"default-src 'none'; style-src {style_hash}; script-src {script_hash}; "
            "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")


def counts(models: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(VERDICTS, 0) | {"error": 0, "unknown": 0, "total": 0}
    for m in models:
        out[m["verdict"]] += 1
        out["error"] += m["status"] == "error"
        out["unknown"] += m["known"] == "unknown"
        out["total"] += 1
    return out


def render_dict(report: Mapping[str, Any]) -> str:
    """Render a JSON report (as `report_dict` returns it, or as read from a saved file)."""
    style, style_hash = _static("report.css")
    script, script_hash = _static("report.js")
    models = [model_view(m, i) for i, m in enumerate(_list(report.get("models")), start=1)]
    models.sort(key=lambda view: view["key"])  # worst first; stable: manifest order otherwise
    template = environment().get_template("report.html.j2")
    return template.render(
        header=header_view(report), models=models, counts=counts(models),
        style=style, script=script, csp=content_security_policy(style_hash, script_hash))


def render(result: ScanResult, **_options: object) -> str:
    return render_dict(report_dict(result))
