"""The CycloneDX ML-BOM (JSON, spec 1.6 or 1.7), built with cyclonedx-python-lib.

One `machine-learning-model` component per model. licscan's conclusion is the component's
license (`acknowledgement: concluded`), the card's claim is the declared license; both are SPDX
expressions checked before use and built as `LicenseExpression` objects, never through the
library's string factory (which turns an expression it does not recognise into a license name).
An expression that is not valid SPDX, and an unknown conclusion, give no license at all: the
`licscan:license.status` and `licscan:license.problem` properties say why.

What the library cannot write is added to its JSON afterwards and documented in docs/reports.md:
the declared expression next to the concluded one in 1.7 (the library allows one expression
per component; 1.6 allows only one, so 1.6 keeps the declared one in `evidence.licenses`), the
`modelCard` block (the library has no model for it), and the timestamp (the report's
`generated_at`, or none). Deterministic: the serial number is a name-based UUID of the report's
content hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.component_evidence import ComponentEvidence
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import (
    LicenseAcknowledgement,
    LicenseExpression,
    LicenseExpressionDetails,
)
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6, JsonV1Dot7
from packageurl import PackageURL
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

from licscan.errors import ReportError, UsageError
from licscan.model import Lineage, LineageNode, ScanResult
from licscan.redact import printable
from licscan.report.json_report import report_dict
from licscan.report.model_view import lineage_roots
from licscan.report.spdx import declared_expression, license_expression
from licscan.report.untrusted import as_dict as _dict
from licscan.report.untrusted import as_list as _list

VERSIONS = ("1.6", "1.7")
DEFAULT_VERSION = "1.6"
PREFIX = "licscan:"
_OUTPUTTERS = {"1.6": JsonV1Dot6, "1.7": JsonV1Dot7}
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_SHA = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
#: an absolute http(s) URL of RFC 3986 characters only: a card's link is used as-is or not at all
HTTP_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_LICENSE_FILES = ("license-file", "notice-file", "use-policy-file")
_MAX_LINEAGE = 500
_SERIAL_NAMESPACE = uuid.UUID("6f1c3a52-3f3e-5d0a-9b51-1c0a9e0d1c6b")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return printable(str(value))


def _quote_path(path: str) -> str:
    # a relative IRI reference: ':' and every other reserved character are escaped
    return quote(path, safe="/._-~")


def hub_file_url(model_id: Any, revision: Any, path: str, kind: str = "") -> str | None:
    if not isinstance(model_id, str) or not _HUB_ID.fullmatch(model_id):
        return None
    rev = revision if isinstance(revision, str) and _SHA.fullmatch(revision) else "main"
    return f"https://huggingface.co/{kind}{model_id}/blob/{rev}/{_quote_path(path)}"


def _hub_model_url(model_id: Any, kind: str = "") -> str | None:
    if not isinstance(model_id, str) or not _HUB_ID.fullmatch(model_id):
        return None
    return f"https://huggingface.co/{kind}{model_id}"


@dataclass
class _Licenses:
    declared: str | None = None
    concluded: str | None = None
    refs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _ModelCard:
    """What goes into a model component's `modelCard` (written after the library)."""

    datasets: list[str] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self, report: Mapping[str, Any], version: str) -> None:
        self.report = report
        self.version = version
        self.refs: set[str] = set()
        self.cards: dict[str, _ModelCard] = {}
        self.datasets: dict[str, Component] = {}
        self.dataset_order: list[str] = []

    # --- identifiers ---------------------------------------------------------------------

    def bom_ref(self, kind: str, name: str, revision: Any = None) -> str:
        base = f"{kind}:{name}" + (f"@{revision}" if isinstance(revision, str) and revision
                                   else "")
        candidate, n = base, 2
        while candidate in self.refs:
            candidate, n = f"{base}#{n}", n + 1
        self.refs.add(candidate)
        return candidate

    # --- licenses ------------------------------------------------------------------------

    def licenses(self, declared_raw: Mapping[str, Any], concluded_raw: Any,
                 resolved: bool) -> _Licenses:
        out = _Licenses()
        declared = declared_expression(declared_raw)
        if declared.problem:
            out.problems.append(f"declared: {declared.problem}")
        elif _is_expression(declared.value):
            out.declared = str(declared.value)
            out.refs += declared.refs
        if resolved:
            concluded = license_expression(concluded_raw)
            if concluded.problem:
                out.problems.append(f"concluded: {concluded.problem}")
            elif _is_expression(concluded.value):
                out.concluded = str(concluded.value)
                out.refs += concluded.refs
        return out

    def _expression(self, value: str, ack: LicenseAcknowledgement,
                    details: Mapping[str, str]) -> LicenseExpression:
        found = []
        if self.version != "1.6":
            keys = license_expression(value).refs
            found = [LicenseExpressionDetails(ref, url=XsUri(details[ref]))
                     for ref in keys if ref in details]
        return LicenseExpression(value, acknowledgement=ack, details=found)

    # --- models --------------------------------------------------------------------------

    def model(self, model: Mapping[str, Any]) -> Component:
        mid = _text(model.get("id")) or "unnamed"
        rev = model.get("revision")
        hub = model.get("source") == "hub" and _HUB_ID.fullmatch(mid) is not None
        ref = self.bom_ref("model", mid, rev)
        lic = _dict(model.get("license"))
        card = _dict(model.get("declared"))
        resolved = bool(lic) and lic.get("status", "resolved") != "unresolved" and \
            model.get("status") != "error"
        found = self.licenses(card, lic.get("expression"), resolved)
        names, urls = ref_facts(model, mid, rev, hub)
        if found.concluded and len(license_expression(found.concluded).refs) == 1 and \
                found.concluded.startswith("LicenseRef-") and lic.get("name"):
            names.setdefault(found.concluded, _text(lic.get("name")))
        link = card.get("license_link")
        if isinstance(link, str) and HTTP_URL.fullmatch(link) and found.declared:
            for declared_ref in license_expression(found.declared).refs:
                urls.setdefault(declared_ref, link)

        licenses = [self._expression(found.concluded, LicenseAcknowledgement.CONCLUDED, urls)] \
            if found.concluded else []
        evidence = ComponentEvidence(licenses=[self._expression(
            found.declared, LicenseAcknowledgement.DECLARED, urls)]) if found.declared else None

        version = _text(rev or model.get("requested_revision")) or None
        purl = supplier = None
        if hub and isinstance(rev, str) and _SHA.fullmatch(rev):
            owner, name = mid.split("/", 1)
            purl = PackageURL(type="huggingface", namespace=owner, name=name, version=rev)
        if hub:
            owner = mid.split("/", 1)[0]
            supplier = OrganizationalEntity(
                name=owner, urls=[XsUri(f"https://huggingface.co/{owner}")])

        properties = [Property(name=k, value=v) for k, v in
                      model_properties(model, found.problems, found.refs, names)]
        component = Component(
            type=ComponentType.MACHINE_LEARNING_MODEL, name=mid, version=version,
            bom_ref=ref, purl=purl, supplier=supplier, licenses=licenses, evidence=evidence,
            external_references=self._references(model, mid, rev, hub),
            properties=properties,
            pedigree=self._pedigree(model, ref))
        card_info = _ModelCard(use_cases=use_cases(model))
        for item in _list(model.get("datasets")):
            data = item if isinstance(item, dict) else {"id": item}
            if _text(data.get("id")):
                card_info.datasets.append(self.dataset(data))
        self.cards[ref] = card_info
        return component

    def _references(self, model: Mapping[str, Any], mid: str, rev: Any,
                    hub: bool) -> list[ExternalReference]:
        refs: list[ExternalReference] = []
        target = _text(model.get("target")) or mid
        if hub:
            home = f"https://huggingface.co/{mid}"
            if isinstance(rev, str) and _SHA.fullmatch(rev):
                home += f"/tree/{rev}"
            refs.append(ExternalReference(type=ExternalReferenceType.DISTRIBUTION,
                                          url=XsUri(home)))
            card_url = hub_file_url(mid, rev, "README.md")
        else:
            # a local folder: the path the user gave, as a relative (or file:) reference
            where = f"file://{_quote_path(target)}" if target.startswith("/") else \
                _quote_path(target)
            refs.append(ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION, url=XsUri(where or "."),
                comment="local model folder, as named in the scan"))
            card_url = f"{_quote_path(target)}/README.md" if target else None
        if card_url and _dict(model.get("declared")).get("license") is not None:
            refs.append(ExternalReference(type=ExternalReferenceType.MODEL_CARD,
                                          url=XsUri(card_url)))
        for path, digest in license_files(model):
            url = hub_file_url(mid, rev, path) if hub else \
                f"{_quote_path(target)}/{_quote_path(path)}"
            if url is None:
                continue
            refs.append(ExternalReference(
                type=ExternalReferenceType.LICENSE, url=XsUri(url),
                comment=f"license file read by licscan: {_text(path)}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest.lower())]))
        return refs

    # --- lineage and datasets ------------------------------------------------------------

    def _base(self, node: Mapping[str, Any], child_ref: str) -> Component:
        bid = _text(node.get("id"))
        rev = node.get("revision")
        hub = _HUB_ID.fullmatch(bid) is not None
        found = self.licenses({"license": node.get("declared")}, node.get("license"),
                              node.get("status", "ok") == "ok" or bool(node.get("license")))
        props = [Property(name=PREFIX + "lineage.relation",
                          value=_text(node.get("relation")) or "base model")]
        if node.get("status", "ok") != "ok":
            props.append(Property(name=PREFIX + "status", value=_text(node.get("status"))
                                  or "error"))
            if node.get("reason"):
                props.append(Property(name=PREFIX + "reason", value=_text(node.get("reason"))))
        props += [Property(name=PREFIX + "license.problem", value=p) for p in found.problems]
        purl = None
        if hub and isinstance(rev, str) and _SHA.fullmatch(rev):
            owner, name = bid.split("/", 1)
            purl = PackageURL(type="huggingface", namespace=owner, name=name, version=rev)
        home = _hub_model_url(bid)
        return Component(
            type=ComponentType.MACHINE_LEARNING_MODEL, name=bid or "unnamed",
            version=_text(rev) or None, bom_ref=self.bom_ref(f"{child_ref}/base", bid, rev),
            purl=purl, properties=props,
            supplier=OrganizationalEntity(name=bid.split("/", 1)[0]) if hub else None,
            licenses=[self._expression(found.concluded, LicenseAcknowledgement.CONCLUDED, {})]
            if found.concluded else [],
            external_references=[ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION, url=XsUri(home))] if home else [])

    def _pedigree(self, model: Mapping[str, Any], ref: str) -> Pedigree | None:
        """`pedigree.ancestors`, nested: each base model's own bases are its ancestors."""
        roots = [n for n in lineage_roots(Lineage.of(model.get("lineage"))) if n.id]
        if not roots:
            return None
        count = 0

        def build(nodes: Sequence[LineageNode], child_ref: str, depth: int) -> list[Component]:
            nonlocal count
            out = []
            for node in nodes:
                if not node.id or count >= _MAX_LINEAGE or depth > 64:
                    continue
                count += 1
                comp = self._base(node.to_dict(), child_ref)
                grand = build(node.parents, str(comp.bom_ref.value), depth + 1)
                if grand:
                    comp.pedigree = Pedigree(ancestors=grand)
                out.append(comp)
            return out

        ancestors = build(roots, ref, 0)
        return Pedigree(ancestors=ancestors) if ancestors else None

    def dataset(self, data: Mapping[str, Any]) -> str:
        """A `data` component, shared by every model that names the dataset."""
        did = _text(data.get("id"))
        key = f"{did}\0{_text(data.get('revision'))}"
        if key in self.datasets:
            return str(self.datasets[key].bom_ref.value)
        rev = data.get("revision")
        found = self.licenses({"license": data.get("declared")}, data.get("license"),
                              data.get("status", "ok") == "ok")
        props = [Property(name=PREFIX + k, value=_text(data.get(k)))
                 for k in ("status", "reason", "commercial_use", "modification")
                 if data.get(k) is not None and _text(data.get(k))]
        props += [Property(name=PREFIX + "license.problem", value=p) for p in found.problems]
        props += [Property(name=PREFIX + "finding", value=_text(f))
                  for f in _list(data.get("findings")) if _text(f)]
        home = _hub_model_url(did, "datasets/")
        if home and isinstance(rev, str) and _SHA.fullmatch(rev):
            home += f"/tree/{rev}"
        licenses = [self._expression(found.concluded, LicenseAcknowledgement.CONCLUDED, {})] \
            if found.concluded else []
        evidence = ComponentEvidence(licenses=[self._expression(
            found.declared, LicenseAcknowledgement.DECLARED, {})]) if found.declared else None
        comp = Component(
            type=ComponentType.DATA, name=did, version=_text(rev) or None,
            bom_ref=self.bom_ref("dataset", did, rev), licenses=licenses, evidence=evidence,
            properties=props,
            external_references=[ExternalReference(
                type=ExternalReferenceType.DISTRIBUTION, url=XsUri(home))] if home else [])
        self.datasets[key] = comp
        self.dataset_order.append(key)
        return str(comp.bom_ref.value)

    # --- the BOM -------------------------------------------------------------------------

    def bom(self) -> Bom:
        models = [m for m in _list(self.report.get("models")) if isinstance(m, dict)]
        components = [self.model(m) for m in models]
        components += [self.datasets[k] for k in self.dataset_order]
        tool = _dict(self.report.get("tool"))
        meta = BomMetaData(
            tools=ToolRepository(components=[Component(
                type=ComponentType.APPLICATION, name=_text(tool.get("name")) or "licscan",
                version=_text(tool.get("version")) or None)]),
            properties=list(self._scan_properties()))
        return Bom(components=components, metadata=meta, serial_number=self.serial())

    def _scan_properties(self) -> Iterator[Property]:
        pack = _dict(self.report.get("rulepack"))
        for key in ("name", "version", "hash"):
            if pack.get(key):
                yield Property(name=f"{PREFIX}rulepack.{key}", value=_text(pack[key]))
        if self.report.get("config"):
            yield Property(name=PREFIX + "config", value=_text(self.report["config"]))
        for key, value in sorted(_dict(self.report.get("context")).items()):
            if value is not None:
                yield Property(name=f"{PREFIX}context.{_text(key)}", value=_text(value))
        summary = _dict(self.report.get("summary"))
        if summary.get("worst_verdict"):
            yield Property(name=PREFIX + "worst_verdict", value=_text(summary["worst_verdict"]))

    def serial(self) -> uuid.UUID:
        canonical = json.dumps(self.report, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), default=str)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return uuid.uuid5(_SERIAL_NAMESPACE, f"cyclonedx-{self.version}:{digest}")


def model_properties(model: Mapping[str, Any], problems: list[str], refs: list[str],
                     names: Mapping[str, str]) -> list[tuple[str, str]]:
    """licscan's facts about a model as `licscan:` (name, value) pairs, in a stable order."""
    def prop(name: str, value: Any) -> tuple[str, str] | None:
        text = _text(value)
        return (PREFIX + name, text) if text else None

    lic = _dict(model.get("license"))
    card = _dict(model.get("declared"))
    items: list[tuple[str, str] | None] = [
        prop("verdict", model.get("verdict")),
        prop("verdict.reason", model.get("verdict_reason")),
        prop("decided_by", model.get("decided_by")),
        prop("status", model.get("status")),
        prop("source", model.get("source")),
        prop("gated", model.get("gated")),
        prop("origin", ":".join(_text(v) for v in (_dict(model.get("origin")).get("file"),
                                                   _dict(model.get("origin")).get("line"))
                                if v is not None)),
        prop("chosen_branch", model.get("chosen_branch")),
        prop("license.status", lic.get("status") if lic else "unresolved"),
        prop("license.name", lic.get("name")),
        prop("license.confidence", lic.get("confidence")),
        prop("license.reason", lic.get("reason")),
        prop("license.rules", ", ".join(_text(r) for r in _list(lic.get("rules")))),
        prop("declared.license", card.get("license")),
        prop("declared.license_name", card.get("license_name")),
        prop("declared.license_link", card.get("license_link")),
    ]
    if model.get("status") == "error":
        err = _dict(model.get("error"))
        items.append(prop("error", f"{_text(err.get('kind'))}: {_text(err.get('message'))}"))
    items += [prop("license.problem", p) for p in problems]
    for ref in sorted(set(refs)):
        items.append(prop(f"license-name:{ref}", names.get(ref) or _readable(ref)))
    for key, value in _dict(model.get("flags")).items():
        items.append(prop(f"flags.{key}", value))
    for finding in _list(model.get("findings")):
        f = _dict(finding)
        items.append(prop(f"finding:{_text(f.get('code')) or 'unknown'}",
                          f"{_text(f.get('severity'))}: {_text(f.get('message'))}"))
    for obligation in _list(model.get("obligations")):
        o = _dict(obligation)
        where = ", ".join(x for x in (_text(o.get("rule")), _text(o.get("clause"))) if x)
        items.append(prop(f"obligation:{_text(o.get('id')) or _text(o.get('kind'))}",
                          _text(o.get("text"))
                          + (f" (when: {_text(o.get('trigger'))})" if o.get("trigger")
                             else "") + (f" [{where}]" if where else "")))
    for condition in _list(model.get("conditions")):
        items.append(prop("condition", _dict(condition).get("text")
                          if isinstance(condition, dict) else condition))
    for answer in _list(model.get("context_answers")):
        a = _dict(answer)
        items.append(prop(f"answer:{_text(a.get('term'))}:{_text(a.get('rule'))}",
                          f"{_text(a.get('answer'))}: {_text(a.get('reason'))}"))
    lineage = _dict(model.get("lineage"))
    items.append(prop("lineage.chain", lineage.get("chain")))
    for inherited in _list(lineage.get("inherited")):
        i = _dict(inherited)
        items.append(prop("lineage.inherited", f"{_text(i.get('expression'))} from "
                          f"{_text(i.get('from'))} ({_text(i.get('relation'))})"))
    for waiver in _list(model.get("waivers")):
        w = _dict(waiver)
        items.append(prop("waiver", "; ".join(f"{k}={_text(w[k])}" for k in sorted(w)
                                              if w[k] is not None)))
    for note in _list(model.get("notes")):
        items.append(prop("note", note))
    return [p for p in items if p is not None]


def _is_expression(value: Any) -> bool:
    return value is not None and not isinstance(value, SpdxNoAssertion)


def _readable(ref: str) -> str:
    return ref.removeprefix("LicenseRef-").replace("scancode-", "", 1)


def license_files(model: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path, sha256) of each license, notice or use-policy file licscan read, once each."""
    seen: dict[str, str] = {}
    lic = _dict(model.get("license"))
    evidence = list(_list(lic.get("evidence")))
    for finding in _list(model.get("findings")):
        evidence += _list(_dict(finding).get("evidence"))
    for ev in evidence:
        e = _dict(ev)
        path, digest = e.get("path"), e.get("sha256")
        if e.get("kind") in _LICENSE_FILES and isinstance(path, str) and path and \
                isinstance(digest, str) and _SHA256.fullmatch(digest) and \
                e.get("source", model.get("source")) == model.get("source"):
            seen.setdefault(path, digest)
    return sorted(seen.items())


def ref_facts(model: Mapping[str, Any], mid: str, rev: Any,
               hub: bool) -> tuple[dict[str, str], dict[str, str]]:
    """For each LicenseRef the evidence identified: its name and the file it was found in."""
    names: dict[str, str] = {}
    urls: dict[str, str] = {}
    target = _text(model.get("target")) or mid
    for ev in _list(_dict(model.get("license")).get("evidence")):
        e = _dict(ev)
        detail = _dict(e.get("detail"))
        matches = [_dict(detail.get("license")), *(_dict(m) for m in _list(detail.get("matches")))]
        for match in matches:
            expr = match.get("expression")
            if not isinstance(expr, str) or not expr.startswith("LicenseRef-") or \
                    license_expression(expr).refs != [expr]:
                continue
            if match.get("name"):
                names.setdefault(expr, _text(match["name"]))
            path = e.get("path")
            if isinstance(path, str) and path and e.get("kind") in _LICENSE_FILES:
                url = hub_file_url(mid, rev, path) if hub else \
                    f"{_quote_path(target)}/{_quote_path(path)}"
                if url:
                    urls.setdefault(expr, url)
    return names, urls


def use_cases(model: Mapping[str, Any]) -> list[str]:
    """licscan's answers for the user's context and the conditions attached to them."""
    out = []
    for answer in _list(model.get("context_answers")):
        a = _dict(answer)
        if a.get("term") and a.get("answer"):
            out.append(f"{_text(a['term']).replace('_', ' ')}: {_text(a['answer'])}"
                       + (f" ({_text(a.get('rule'))})" if a.get("rule") else "")
                       + (f": {_text(a.get('reason'))}" if a.get("reason") else ""))
    for condition in _list(model.get("conditions")):
        text = _dict(condition).get("text") if isinstance(condition, dict) else condition
        if _text(text):
            out.append(f"condition: {_text(text)}")
    return out


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post_process(data: dict[str, Any], builder: _Builder, report: Mapping[str, Any]) -> None:
    """What the library cannot write: the timestamp, the declared expression next to the
    concluded one (1.7), and the modelCard block."""
    meta = data.setdefault("metadata", {})
    stamp = _timestamp(report.get("generated_at"))
    if stamp:
        meta["timestamp"] = stamp
    else:
        meta.pop("timestamp", None)
    for comp in data.get("components", []):
        if builder.version != "1.6":
            _declared_into_licenses(comp)
        card = builder.cards.get(comp.get("bom-ref", ""))
        if card is None:
            continue
        block: dict[str, Any] = {"bom-ref": f"{comp['bom-ref']}/model-card"}
        if card.datasets:
            block["modelParameters"] = {"datasets": [{"ref": r} for r in card.datasets]}
        if card.use_cases:
            block["considerations"] = {"useCases": card.use_cases}
        comp["modelCard"] = block


def _declared_into_licenses(comp: dict[str, Any]) -> None:
    """1.7 allows several expressions per component: the declared one joins `licenses`."""
    evidence = comp.get("evidence")
    if not isinstance(evidence, dict) or "licenses" not in evidence:
        return
    declared = [e for e in evidence["licenses"] if e.get("acknowledgement") == "declared"]
    rest = [e for e in evidence["licenses"] if e.get("acknowledgement") != "declared"]
    comp["licenses"] = declared + comp.get("licenses", [])
    if rest:
        evidence["licenses"] = rest
    else:
        del evidence["licenses"]
    if not evidence:
        del comp["evidence"]


def build(report: Mapping[str, Any], version: str = DEFAULT_VERSION) -> dict[str, Any]:
    """The BOM as a JSON object."""
    if version not in VERSIONS:
        raise UsageError(f"unknown CycloneDX version {version!r}",
                         hint=f"choose one of {', '.join(VERSIONS)}")
    builder = _Builder(report, version)
    bom = builder.bom()
    try:
        text = _OUTPUTTERS[version](bom).output_as_string()
    except Exception as exc:  # the library refuses a BOM it considers invalid: a licscan bug
        raise ReportError(f"the CycloneDX BOM licscan built was refused: {exc}") from exc
    data: dict[str, Any] = json.loads(text)
    _post_process(data, builder, report)
    return data


def _order(data: dict[str, Any]) -> dict[str, Any]:
    head = ("$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata")
    return {**{k: data[k] for k in head if k in data},
            **{k: v for k, v in data.items() if k not in head}}


def render_dict(report: Mapping[str, Any], *, cdx_version: str = DEFAULT_VERSION,
                **_options: object) -> str:
    return json.dumps(_order(build(report, cdx_version)), indent=2, ensure_ascii=False) + "\n"


def render(result: ScanResult, *, cdx_version: str = DEFAULT_VERSION,
           **_options: object) -> str:
    return render_dict(report_dict(result), cdx_version=cdx_version)
