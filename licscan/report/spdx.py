"""The SPDX 2.3 JSON report, built with spdx-tools' object model and validated before writing.

One package per model: the card's claim as `licenseDeclared`, licscan's conclusion as
`licenseConcluded` (NOASSERTION when either is unknown or not a valid SPDX expression), and an
`hasExtractedLicensingInfos` entry for every LicenseRef, which explains where the id comes from
without copying any license text. Base models from `lineage` and datasets become packages of
their own, linked by relationships. Deterministic: the namespace is a hash of the report and
the creation time is the report's `generated_at`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from licscan.errors import ReportError
from licscan.model import Lineage, LineageNode, ScanResult
from licscan.redact import printable
from licscan.report.json_report import report_dict
from licscan.report.model_view import lineage_roots
from licscan.report.untrusted import as_dict as _dict
from licscan.report.untrusted import as_list as _list

DOCUMENT_ID = "SPDXRef-DOCUMENT"
NAMESPACE_BASE = "https://licscan.invalid/spdx/"
_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_SHA = re.compile(r"[0-9a-f]{40}")
_MAX_LINEAGE = 500



_LICSCAN_REFS = (  # the ids licscan makes for terms it has no rule for (conclude.py)
    ("LicenseRef-licscan-custom-", "terms found in the model (a custom license, possibly built "
     "on a known one, or a license_name licscan does not know)"),
    ("LicenseRef-licscan-unidentified-", "a license text found in the model that licscan could "
     "not identify"),
    ("LicenseRef-licscan-unresolved-base-", "the terms of a base model that could not be read"),
)


def ref_description(ref: str, origin: str, pack: str) -> str:
    """What a LicenseRef stands for, in words, without any license text."""
    tail = " licscan does not copy license texts: read the license in the model repository."
    for prefix, what in _LICSCAN_REFS:
        if ref.startswith(prefix):
            return f"{ref} stands for {what}; licscan has no rule for them, so they are unknown."\
                + tail
    if origin == "rule pack":
        return (f"{ref} is a license identified by the licscan rule pack ({pack or 'unknown'}) "
                "from the model's card and license files." + tail)
    return f"{ref} is named by the model card; licscan's rule pack does not identify it." + tail


class SpdxError(RuntimeError):
    """The document licscan built does not validate: a licscan bug, reported with the reasons."""



def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return printable(str(value))


@dataclass
class _Expression:
    value: Any  # LicenseExpression | SpdxNoAssertion
    refs: list[str] = field(default_factory=list)
    problem: str | None = None


def license_expression(text: Any) -> _Expression:
    """A valid SPDX 2.3 expression (LicenseRefs allowed), or NOASSERTION and why."""
    if not isinstance(text, str) or not text.strip():
        return _Expression(SpdxNoAssertion())
    try:
        parsed = spdx_licensing.parse(text, validate=False, simple=False)
        invalid = spdx_licensing.validate(parsed).invalid_symbols
        keys = [s.key for s in spdx_licensing.license_symbols(parsed, decompose=True)]
        bad = [k for k in invalid if not _REF.fullmatch(k)]
        if parsed is None or bad:
            return _Expression(SpdxNoAssertion(), problem=f"{text!r} is not an SPDX expression")
        # strict: a license used as an exception (or the reverse) is an error
        spdx_licensing.parse(str(parsed), validate=False, strict=True)
    except Exception:  # the parser also raises IndexError and the like on some garbage
        return _Expression(SpdxNoAssertion(), problem=f"{text!r} is not an SPDX expression")
    refs = sorted({k for k in keys if _REF.fullmatch(k)})
    return _Expression(parsed, refs)


def declared_expression(declared: Mapping[str, Any]) -> _Expression:
    """The card's claim as SPDX: the normalised expression when the report carries one, else
    the card's `license` value(s) when they are SPDX ids or expressions (Hub ids such as
    `apache-2.0` are SPDX ids in other case); `other` and Hub-only ids give NOASSERTION."""
    if isinstance(declared.get("expression"), str):  # when the report carries it
        return license_expression(declared["expression"])
    raw = declared.get("license")
    values = raw if isinstance(raw, list) else [raw]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        return _Expression(SpdxNoAssertion())
    parts = [f"({v})" if len(values) > 1 else str(v) for v in values]
    return license_expression(" AND ".join(parts))


def spdx_id(prefix: str, name: str, taken: set[str], qualifier: str = "") -> str:
    """`SPDXRef-<prefix>-<readable name>-<hash of name and qualifier>`: only letters, digits,
    dots and hyphens, whatever the name holds; unique within the document."""
    readable = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-.")[:60] or "x"
    key = f"{name}\0{qualifier}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    candidate = base = f"SPDXRef-{prefix}-{readable}-{digest}"
    n = 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def hub_location(model_id: Any, revision: Any = None, kind: str = "") -> str | None:
    if not isinstance(model_id, str) or not _HUB_ID.fullmatch(model_id):
        return None
    base = f"https://huggingface.co/{kind}{model_id}"
    return f"{base}/tree/{quote(revision, safe='')}" if isinstance(revision, str) and \
        _SHA.fullmatch(revision) else base


class _Builder:
    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report
        self.pack = _dict(report.get("rulepack"))
        self.ids: set[str] = {DOCUMENT_ID}
        self.packages: list[Package] = []
        self.relationships: list[Relationship] = []
        self.refs: dict[str, ExtractedLicensingInfo] = {}
        self.by_model: dict[str, str] = {}

    # --- licenses -------------------------------------------------------------------------

    def _ref_info(self, ref: str, name: str | None, origin: str) -> None:
        if ref in self.refs:
            return
        pack = " ".join(_text(self.pack.get(k)) for k in ("name", "version") if self.pack.get(k))
        text = ref_description(ref, origin, pack)
        readable = ref.removeprefix("LicenseRef-").replace("scancode-", "", 1)
        self.refs[ref] = ExtractedLicensingInfo(
            license_id=ref, extracted_text=text, license_name=name or readable,
            comment="ScanCode LicenseDB key" if ref.startswith("LicenseRef-scancode-") else None)

    def _licenses(self, model: Mapping[str, Any]) -> tuple[_Expression, _Expression]:
        lic = _dict(model.get("license"))
        card = _dict(model.get("declared"))
        if "expression" not in card and isinstance(model.get("declared_expression"), str):
            card = {**card, "expression": model["declared_expression"]}
        declared = declared_expression(card)
        resolved = lic.get("status", "resolved") != "unresolved"
        concluded = license_expression(lic.get("expression")) if resolved else \
            _Expression(SpdxNoAssertion())
        single = concluded.refs == [lic.get("expression")]
        for ref in concluded.refs:
            self._ref_info(ref, _text(lic.get("name")) if single else None, "rule pack")
        for ref in declared.refs:
            self._ref_info(ref, None, "card")
        return declared, concluded

    # --- packages -------------------------------------------------------------------------

    def model_package(self, model: Mapping[str, Any]) -> str:
        mid, rev = _text(model.get("id")) or "unnamed", model.get("revision")
        pid = spdx_id("Model", mid, self.ids, _text(rev))
        declared, concluded = self._licenses(model)
        hub = model.get("source") == "hub"
        location = hub_location(mid, rev) if hub else None
        refs = []
        if hub and location and isinstance(rev, str) and _SHA.fullmatch(rev):
            owner, name = mid.split("/", 1)
            refs.append(ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl",
                                           f"pkg:huggingface/{owner}/{name}@{rev}"))
        self.packages.append(Package(
            spdx_id=pid, name=mid, download_location=location or SpdxNoAssertion(),
            version=_text(rev or model.get("requested_revision")) or None,
            files_analyzed=False, homepage=hub_location(mid) if hub else None,
            license_declared=declared.value, license_concluded=concluded.value,
            license_comment=self._license_comment(model, declared, concluded),
            copyright_text=SpdxNoAssertion(), comment=self._comment(model),
            external_references=refs))
        self.relationships.append(Relationship(DOCUMENT_ID, RelationshipType.DESCRIBES, pid))
        self.by_model.setdefault(mid, pid)
        return pid

    def _license_comment(self, model: Mapping[str, Any], declared: _Expression,
                         concluded: _Expression) -> str:
        lic = _dict(model.get("license"))
        card = _dict(model.get("declared"))
        parts = [f"Declared on the model card: license={_text(card.get('license')) or 'none'}"
                 + "".join(f", {k}={_text(card[k])}" for k in ("license_name", "license_link")
                           if card.get(k)) + "."]
        if lic:
            parts.append(f"licscan: {_text(lic.get('status')) or 'resolved'}, confidence "
                         f"{_text(lic.get('confidence'))}%"
                         + (f", {_text(lic.get('reason'))}" if lic.get("reason") else "") + ".")
        parts += [f"{what} left as NOASSERTION: {_text(e.problem)}." for what, e in
                  (("Declared", declared), ("Concluded", concluded)) if e.problem]
        return " ".join(parts)

    @staticmethod
    def _comment(model: Mapping[str, Any]) -> str:
        parts = [f"licscan verdict: {_text(model.get('verdict'))}"
                 + (f" ({_text(model.get('verdict_reason'))})" if model.get("verdict_reason")
                    else "") + "."]
        if model.get("status") == "error":
            err = _dict(model.get("error"))
            parts.append(f"Not scanned: {_text(err.get('kind'))}: {_text(err.get('message'))}.")
        return " ".join(parts)

    def _other_package(self, prefix: str, item: Mapping[str, Any], location: str | None,
                       comment: str) -> str:
        """A base model or dataset: licscan's conclusion (`license`) and the card's claim
        (`declared`), as far as the report records them."""
        name = _text(item.get("id"))
        pid = spdx_id(prefix, name, self.ids, _text(item.get("revision")))
        concluded = license_expression(item.get("license"))
        declared = declared_expression({"license": item.get("declared")})
        for ref in concluded.refs:
            self._ref_info(ref, None, "rule pack")
        for ref in declared.refs:
            self._ref_info(ref, None, "card")
        notes = [f"License as licscan reports it: {_text(item.get('license'))}."
                 if item.get("license")
                 else "", f"Not read: {_text(item.get('reason'))}."
                 if item.get("status") == "error" else ""]
        self.packages.append(Package(
            spdx_id=pid, name=name, download_location=location or SpdxNoAssertion(),
            version=_text(item.get("revision")) or None, files_analyzed=False,
            license_declared=declared.value, license_concluded=concluded.value,
            copyright_text=SpdxNoAssertion(),
            comment=" ".join(x for x in (comment, *notes) if x)))
        return pid

    def lineage(self, model: Mapping[str, Any], pid: str) -> None:
        """`<model> DESCENDANT_OF <base>` for each base model, recursively."""
        roots = lineage_roots(Lineage.of(model.get("lineage")))
        stack: list[tuple[LineageNode, str]] = [(node, pid) for node in reversed(roots)]
        seen = 0
        while stack and seen < _MAX_LINEAGE:
            node, child = stack.pop()
            if not node.id:
                continue
            seen += 1
            bid = node.id
            base = self.by_model.get(bid) or self._other_package(
                "Base", node.to_dict(),
                hub_location(bid, node.scanned.revision if node.scanned else None),
                "A base model named in the card's base_model field (found by licscan).")
            self.by_model.setdefault(bid, base)
            relation = node.relation or "base model"
            self.relationships.append(Relationship(
                child, RelationshipType.DESCENDANT_OF, base,
                comment=f"base_model_relation: {relation}"))
            stack.extend((grand, base) for grand in reversed(node.parents))

    def datasets(self, model: Mapping[str, Any], pid: str) -> None:
        """`<model> OTHER <dataset>`: SPDX 2.3 has no 'trained on' relationship."""
        for item in _list(model.get("datasets")):
            data = item if isinstance(item, dict) else {"id": item}
            did = _text(data.get("id"))
            if not did:
                continue
            key = f"dataset:{did}"
            dsid = self.by_model.get(key) or self._other_package(
                "Dataset", data, hub_location(did, data.get("revision"), kind="datasets/"),
                "A dataset named in the model card's datasets field.")
            self.by_model.setdefault(key, dsid)
            self.relationships.append(Relationship(
                pid, RelationshipType.OTHER, dsid,
                comment="trained or evaluated on this dataset (model card datasets field)"))

    # --- the document ---------------------------------------------------------------------

    def document(self) -> Document:
        models = [m for m in _list(self.report.get("models")) if isinstance(m, dict)]
        if not models:
            raise ReportError("the report holds no models",
                             hint="an SPDX document must describe at least one package")
        ids = [self.model_package(model) for model in models]  # scanned models first
        for model, pid in zip(models, ids, strict=True):
            self.lineage(model, pid)
            self.datasets(model, pid)
        return Document(creation_info=self._creation_info(), packages=self.packages,
                        relationships=self.relationships,
                        extracted_licensing_info=[self.refs[k] for k in sorted(self.refs)])

    def _creation_info(self) -> CreationInfo:
        tool = _dict(self.report.get("tool"))
        version = re.sub(r"[^A-Za-z0-9.+_-]", "", _text(tool.get("version"))) or "unknown"
        canonical = json.dumps(self.report, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), default=str)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        pack = ", ".join(f"{k} {_text(self.pack.get(k))}" for k in ("name", "version", "hash")
                         if self.pack.get(k))
        config = _text(self.report.get("config")) or "none (built-in defaults)"
        return CreationInfo(
            spdx_version="SPDX-2.3", spdx_id=DOCUMENT_ID, name="licscan model license scan",
            document_namespace=f"{NAMESPACE_BASE}scan-{digest}",
            creators=[Actor(ActorType.TOOL, f"licscan-{version}")],
            created=created_time(self.report.get("generated_at")),
            creator_comment=f"Rule pack: {pack or 'unknown'}. Configuration: {config}.")


def created_time(value: Any) -> datetime:
    """`generated_at` as a UTC datetime; the epoch when the report has none (deterministic)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.replace(tzinfo=None, microsecond=0)
    return datetime(1970, 1, 1)


def build_document(report: Mapping[str, Any]) -> Document:
    return _Builder(report).document()


def problems(document: Document) -> Iterator[str]:
    for message in validate_full_spdx_document(document, "SPDX-2.3"):
        yield message.validation_message


def render_dict(report: Mapping[str, Any]) -> str:
    document = build_document(report)
    found = list(problems(document))
    if found:
        raise SpdxError("the SPDX document licscan built is not valid: " + "; ".join(found[:5]))
    out = io.StringIO()
    write_document_to_stream(document, out, validate=False)
    return out.getvalue() + "\n"


def render(result: ScanResult, **_options: object) -> str:
    return render_dict(report_dict(result))
