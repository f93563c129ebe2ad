"""The SPDX 3.0.1 JSON-LD report, built with spdx-python-model (the SPDX 3.0.1 bindings).

An `ai_AIPackage` per model. The card's claim and licscan's conclusion are
`simplelicensing_LicenseExpression` elements linked by `hasDeclaredLicense` and
`hasConcludedLicense` relationships; an unknown or invalid one is the `NoAssertionLicense`
individual. Every LicenseRef is an `expandedlicensing_CustomLicense` with its name, linked from
the expressions through `customIdToUri`; its text says where the license is, licscan copies no
license text. Base models are AI packages linked by `descendantOf`, datasets are
`dataset_DatasetPackage`s linked by `trainedOn`, the license files licscan read are
`software_File`s with their SHA-256, and the verdict, findings and obligations are the same
`licscan:` properties as in the CycloneDX BOM, in a `CdxPropertiesExtension`.

Deterministic: the ids derive from a hash of the report and the creation time is the
report's `generated_at` (the epoch when it has none). The bindings check types, enumerations
and cardinalities when the document is written; a document they refuse is a licscan bug.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from spdx_python_model import v3_0_1 as spdx
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

from licscan.errors import ReportError
from licscan.model import Lineage, LineageNode, ScanResult
from licscan.redact import printable
from licscan.report.cyclonedx import (
    HTTP_URL,
    hub_file_url,
    license_files,
    model_properties,
    ref_facts,
    use_cases,
)
from licscan.report.json_report import report_dict
from licscan.report.model_view import lineage_roots
from licscan.report.spdx import declared_expression, license_expression, ref_description
from licscan.report.untrusted import as_dict as _dict
from licscan.report.untrusted import as_list as _list

NAMESPACE_BASE = "https://licscan.invalid/spdx3/"
DATA_LICENSE = "https://spdx.org/licenses/CC0-1.0"
NO_ASSERTION = spdx.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_SHA = re.compile(r"[0-9a-f]{40}")
_MAX_LINEAGE = 500


class Spdx3Error(RuntimeError):
    """The bindings refused the document licscan built: a licscan bug."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return printable(str(value))


def _hub(model_id: str, kind: str = "") -> str | None:
    return f"https://huggingface.co/{kind}{model_id}" if _HUB_ID.fullmatch(model_id) else None


class _Builder:
    def __init__(self, report: Mapping[str, Any]) -> None:
        self.report = report
        canonical = json.dumps(report, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), default=str)
        self.digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        self.ns = f"{NAMESPACE_BASE}scan-{self.digest[:32]}#"
        self.ids: set[str] = set()
        self.elements: list[Any] = []
        self.custom: dict[str, Any] = {}
        self.expressions: dict[str, Any] = {}
        self.packages: dict[str, Any] = {}  # "model:<id>" / "dataset:<id>@<rev>" -> package
        self.relationships = 0
        self.pack = _dict(report.get("rulepack"))
        self.creation = self._creation_info()

    # --- identifiers and elements --------------------------------------------------------

    def spdx_id(self, kind: str, name: str, qualifier: str = "") -> str:
        readable = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-.")[:60] or "x"
        digest = hashlib.sha256(f"{name}\0{qualifier}".encode()).hexdigest()[:8]
        candidate = base = f"{self.ns}{kind}-{readable}-{digest}"
        n = 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        return candidate

    def add(self, element: Any) -> Any:
        self.elements.append(element)
        return element

    def relate(self, source: Any, kind: str, targets: Iterable[Any],
               comment: str | None = None) -> None:
        self.relationships += 1
        self.add(_new(spdx.Relationship,
            spdxId=f"{self.ns}relationship-{self.relationships}", creationInfo=self.creation,
            from_=source, to=list(targets), relationshipType=kind, comment=comment))

    def _creation_info(self) -> Any:
        tool = _dict(self.report.get("tool"))
        name = _text(tool.get("name")) or "licscan"
        version = _text(tool.get("version")) or "unknown"
        info = spdx.CreationInfo(specVersion="3.0.1", created=created_time(
            self.report.get("generated_at")))
        agent = spdx.SoftwareAgent(spdxId=f"{self.ns}agent-licscan", name=name,
                                   creationInfo=info)
        used = spdx.Tool(spdxId=f"{self.ns}tool-licscan", name=f"{name} {version}",
                         creationInfo=info)
        info.createdBy.append(agent)
        info.createdUsing.append(used)
        self.add(agent)
        self.add(used)
        return info

    # --- licenses ------------------------------------------------------------------------

    def custom_license(self, ref: str, name: str | None, url: str | None, origin: str) -> Any:
        if ref in self.custom:
            return self.custom[ref]
        pack = " ".join(_text(self.pack.get(k)) for k in ("name", "version") if self.pack.get(k))
        text = ref_description(ref, origin, pack)
        element = self.add(_new(spdx.expandedlicensing_CustomLicense,
            spdxId=f"{self.ns}{ref}", creationInfo=self.creation,
            name=name or ref.removeprefix("LicenseRef-").replace("scancode-", "", 1),
            simplelicensing_licenseText=text,
            expandedlicensing_seeAlso=[url] if url and HTTP_URL.fullmatch(url) else []))
        self.custom[ref] = element
        return element

    def license(self, value: str | None, names: Mapping[str, str], urls: Mapping[str, str],
                origin: str) -> Any:
        """A LicenseExpression element, or NoAssertionLicense (None, invalid or unknown)."""
        if value is None:
            return NO_ASSERTION
        text = str(value)
        if text in self.expressions:
            return self.expressions[text]
        refs = license_expression(text).refs
        entries = [spdx.DictionaryEntry(key=ref, value=self.custom_license(
            ref, names.get(ref), urls.get(ref), origin).spdxId) for ref in refs]
        self.expressions[text] = self.add(spdx.simplelicensing_LicenseExpression(
            spdxId=self.spdx_id("license", text), creationInfo=self.creation,
            simplelicensing_licenseExpression=text, simplelicensing_customIdToUri=entries))
        return self.expressions[text]

    def licenses(self, element: Any, declared_raw: Mapping[str, Any], concluded_raw: Any,
                 resolved: bool, names: Mapping[str, str] | None = None,
                 urls: Mapping[str, str] | None = None) -> list[str]:
        names, urls = names or {}, urls or {}
        problems = []
        declared = declared_expression(declared_raw)
        concluded = license_expression(concluded_raw) if resolved else None
        if declared.problem:
            problems.append(f"declared: {declared.problem}")
        if concluded is not None and concluded.problem:
            problems.append(f"concluded: {concluded.problem}")
        declared_value = None if declared.problem or _is_none(declared.value) else \
            str(declared.value)
        concluded_value = None if concluded is None or concluded.problem or \
            _is_none(concluded.value) else str(concluded.value)
        # rule-pack names first: a ref the card and the pack share keeps the pack's name
        self.relate(element, spdx.RelationshipType.hasConcludedLicense,
                    [self.license(concluded_value, names, urls, "rule pack")])
        self.relate(element, spdx.RelationshipType.hasDeclaredLicense,
                    [self.license(declared_value, names, urls, "card")])
        return problems

    # --- packages ------------------------------------------------------------------------

    def model(self, model: Mapping[str, Any]) -> Any:
        mid = _text(model.get("id")) or "unnamed"
        rev = model.get("revision")
        hub = model.get("source") == "hub" and _HUB_ID.fullmatch(mid) is not None
        sha = isinstance(rev, str) and _SHA.fullmatch(rev) is not None
        lic = _dict(model.get("license"))
        package = self.add(_new(spdx.ai_AIPackage,
            spdxId=self.spdx_id("model", mid, _text(rev)), creationInfo=self.creation,
            name=mid, software_packageVersion=_text(rev or model.get("requested_revision"))
            or None, software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            software_downloadLocation=(f"{_hub(mid)}/tree/{rev}" if sha else _hub(mid))
            if hub else None,
            software_homePage=_hub(mid) if hub else None,
            software_packageUrl=f"pkg:huggingface/{mid}@{rev}" if hub and sha else None,
            suppliedBy=self.organization(mid.split("/", 1)[0]) if hub else None,
            comment=_comment(model),
            ai_informationAboutApplication="; ".join(use_cases(model)) or None))
        self.packages.setdefault(f"model:{mid}", package)
        names, urls = ref_facts(model, mid, rev, hub)
        expr = lic.get("expression")
        if isinstance(expr, str) and expr.startswith("LicenseRef-") and \
                license_expression(expr).refs == [expr] and lic.get("name"):
            names.setdefault(expr, _text(lic["name"]))
        resolved = bool(lic) and lic.get("status", "resolved") != "unresolved" and \
            model.get("status") != "error"
        problems = self.licenses(package, _dict(model.get("declared")), expr, resolved,
                                 names, urls)
        refs = license_expression(expr).refs if resolved and isinstance(expr, str) else []
        props = model_properties(model, problems, refs, names)
        if props:
            package.extension.append(_properties(props))
        self.files(model, package, mid, rev, hub)
        return package

    def organization(self, owner: str) -> Any:
        key = f"organization:{owner}"
        if key not in self.packages:
            self.packages[key] = self.add(spdx.Organization(
                spdxId=self.spdx_id("organization", owner), creationInfo=self.creation,
                name=owner))
        return self.packages[key]

    def files(self, model: Mapping[str, Any], package: Any, mid: str, rev: Any,
              hub: bool) -> None:
        """The license files licscan read, with their SHA-256: `<model> contains <file>`."""
        found = []
        for path, digest in license_files(model):
            url = hub_file_url(mid, rev, path) if hub else None
            found.append(self.add(_new(spdx.software_File,
                spdxId=self.spdx_id("file", f"{mid}/{path}", _text(rev)),
                creationInfo=self.creation, name=_text(path),
                software_fileKind=spdx.software_FileKindType.file,
                software_primaryPurpose=spdx.software_SoftwarePurpose.documentation,
                verifiedUsing=[spdx.Hash(algorithm=spdx.HashAlgorithm.sha256,
                                         hashValue=digest.lower())],
                externalRef=[spdx.ExternalRef(externalRefType=spdx.ExternalRefType.license,
                                              locator=[url])] if url else [],
                comment="license, notice or use-policy file read by licscan")))
        if found:
            self.relate(package, spdx.RelationshipType.contains, found)

    def base(self, node: Mapping[str, Any]) -> Any:
        bid = _text(node.get("id"))
        rev = node.get("revision")
        key = f"model:{bid}"
        if key in self.packages:
            return self.packages[key]
        hub = _HUB_ID.fullmatch(bid) is not None
        sha = isinstance(rev, str) and _SHA.fullmatch(rev) is not None
        notes = ["A base model named in the card's base_model field (found by licscan)."]
        if node.get("status", "ok") != "ok":
            notes.append(f"Not read: {_text(node.get('reason')) or _text(node.get('status'))}.")
        package = self.add(_new(spdx.ai_AIPackage,
            spdxId=self.spdx_id("base", bid, _text(rev)), creationInfo=self.creation, name=bid,
            software_packageVersion=_text(rev) or None,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            software_downloadLocation=(f"{_hub(bid)}/tree/{rev}" if sha else _hub(bid))
            if hub else None,
            software_packageUrl=f"pkg:huggingface/{bid}@{rev}" if hub and sha else None,
            suppliedBy=self.organization(bid.split("/", 1)[0]) if hub else None,
            comment=" ".join(notes)))
        self.packages[key] = package
        problems = self.licenses(package, {"license": node.get("declared")}, node.get("license"),
                                 True)
        if problems:
            package.comment += " " + " ".join(f"License left as NOASSERTION: {p}."
                                              for p in problems)
        return package

    def lineage(self, model: Mapping[str, Any], package: Any) -> None:
        """`<model> descendantOf <base>`, recursively."""
        stack: list[tuple[LineageNode, Any]] = [
            (node, package)
            for node in reversed(lineage_roots(Lineage.of(model.get("lineage"))))]
        seen = 0
        while stack and seen < _MAX_LINEAGE:
            node, child = stack.pop()
            if not node.id:
                continue
            seen += 1
            base = self.base(node.to_dict())
            relation = node.relation or "base model"
            self.relate(child, spdx.RelationshipType.descendantOf, [base],
                        comment=f"base_model_relation: {relation}")
            stack.extend((grand, base) for grand in reversed(node.parents))

    def datasets(self, model: Mapping[str, Any], package: Any) -> None:
        """`<model> trainedOn <dataset>` for each dataset the card names."""
        for item in _list(model.get("datasets")):
            data = item if isinstance(item, dict) else {"id": item}
            did = _text(data.get("id"))
            if not did:
                continue
            rev = data.get("revision")
            key = f"dataset:{did}@{_text(rev)}"
            if key not in self.packages:
                sha = isinstance(rev, str) and _SHA.fullmatch(rev) is not None
                home = _hub(did, "datasets/")
                notes = ["A dataset named in the model card's datasets field."]
                if data.get("status", "ok") != "ok":
                    notes.append(f"Not read: {_text(data.get('reason'))}.")
                dataset = self.add(_new(spdx.dataset_DatasetPackage,
                    spdxId=self.spdx_id("dataset", did, _text(rev)), creationInfo=self.creation,
                    name=did, software_packageVersion=_text(rev) or None,
                    software_primaryPurpose=spdx.software_SoftwarePurpose.data,
                    software_downloadLocation=(f"{home}/tree/{rev}" if sha else home)
                    if home else None,
                    dataset_datasetType=[spdx.dataset_DatasetType.noAssertion],
                    comment=" ".join(notes)))
                problems = self.licenses(dataset, {"license": data.get("declared")},
                                         data.get("license"), data.get("status", "ok") == "ok")
                props = [(f"licscan:{k}", _text(data.get(k)))
                         for k in ("status", "commercial_use", "modification")
                         if _text(data.get(k))]
                props += [("licscan:license.problem", p) for p in problems]
                props += [("licscan:finding", _text(f)) for f in _list(data.get("findings"))
                          if _text(f)]
                if props:
                    dataset.extension.append(_properties(props))
                self.packages[key] = dataset
            self.relate(package, spdx.RelationshipType.trainedOn, [self.packages[key]],
                        comment="named in the model card's datasets field")

    # --- the document --------------------------------------------------------------------

    def document(self) -> Any:
        models = [m for m in _list(self.report.get("models")) if isinstance(m, dict)]
        if not models:
            raise ReportError("the report holds no models",
                              hint="an SPDX document must describe at least one package")
        packages = [self.model(m) for m in models]  # scanned models first: lineage reuses them
        for model, package in zip(models, packages, strict=True):
            self.lineage(model, package)
            self.datasets(model, package)
        pack = ", ".join(f"{k} {_text(self.pack.get(k))}" for k in ("name", "version", "hash")
                         if self.pack.get(k))
        config = _text(self.report.get("config")) or "none (built-in defaults)"
        context = ", ".join(f"{k}={_text(v)}" for k, v in
                            sorted(_dict(self.report.get("context")).items()) if v is not None)
        document = spdx.SpdxDocument(
            spdxId=f"{self.ns}document", creationInfo=self.creation,
            name="licscan model license scan", dataLicense=DATA_LICENSE,
            profileConformance=[spdx.ProfileIdentifierType.core,
                                spdx.ProfileIdentifierType.software,
                                spdx.ProfileIdentifierType.ai,
                                spdx.ProfileIdentifierType.dataset,
                                spdx.ProfileIdentifierType.simpleLicensing,
                                spdx.ProfileIdentifierType.expandedLicensing,
                                spdx.ProfileIdentifierType.extension],
            rootElement=packages, element=list(self.elements),
            comment=f"Rule pack: {pack or 'unknown'}. Configuration: {config}."
                    + (f" Context: {context}." if context else ""))
        objects = spdx.SHACLObjectSet()
        for element in (*self.elements, document):
            objects.add(element)
        return objects


def _new(cls: Any, **values: Any) -> Any:
    """An element with only the properties that have a value (the bindings refuse None)."""
    return cls(**{k: v for k, v in values.items() if v is not None})


def _is_none(value: Any) -> bool:
    return value is None or isinstance(value, SpdxNoAssertion)


def _properties(pairs: list[tuple[str, str]]) -> Any:
    return spdx.extension_CdxPropertiesExtension(extension_cdxProperty=[
        spdx.extension_CdxPropertyEntry(extension_cdxPropName=name, extension_cdxPropValue=value)
        for name, value in pairs])


def _comment(model: Mapping[str, Any]) -> str:
    parts = [f"licscan verdict: {_text(model.get('verdict'))}"
             + (f" ({_text(model.get('verdict_reason'))})" if model.get("verdict_reason")
                else "") + "."]
    if model.get("status") == "error":
        err = _dict(model.get("error"))
        parts.append(f"Not scanned: {_text(err.get('kind'))}: {_text(err.get('message'))}.")
    if model.get("source") == "local":
        parts.append(f"Local model folder: {_text(model.get('target') or model.get('id'))}.")
    return " ".join(parts)


def created_time(value: Any) -> datetime:
    """`generated_at` as UTC; the epoch when the report has none (deterministic)."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC).replace(microsecond=0)
    return datetime(1970, 1, 1, tzinfo=UTC)


def build_objects(report: Mapping[str, Any]) -> Any:
    """The document as the bindings' SHACLObjectSet."""
    return _Builder(report).document()


def serialize(objects: Any) -> str:
    out = io.BytesIO()
    try:
        spdx.JSONLDSerializer().write(objects, out, indent=2)
    except (ValueError, TypeError, KeyError) as exc:
        raise Spdx3Error(f"the SPDX 3 document licscan built is not valid: {exc}") from exc
    return out.getvalue().decode("utf-8") + "\n"


def render_dict(report: Mapping[str, Any], **_options: object) -> str:
    return serialize(build_objects(report))


def render(result: ScanResult, **_options: object) -> str:
    return render_dict(report_dict(result))
