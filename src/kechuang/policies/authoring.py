"""Authoring a draft by section: form fields -> the policy document -> YAML -> the one edit.

A section edit names a part of the policy document (metadata, parameters, definitions, scores,
conditions, benefit, budget, exclusions, once) and gives that part's keys as they stand in the
document (`{"conditions": [...]}`). The draft's YAML is read into a document, the section's keys
are replaced, the document is written back as YAML in the pack's layout, and the text is saved
through `service.edit`: the same revision check (a stale form is refused naming who saved in
between), the same revision history, the same problems listed. So the YAML tab and the form
tab never disagree: both are drawn from the stored text. A form save rewrites only the top-level
keys whose value it changes (`yaml_splice`), so the draft's other lines and its comments stay;
comments inside a rewritten key go with it.

The form's flat fields (`c0.expr`, `p1.v0.value`, ...) become the section's keys here
(`from_form`), and `view` draws the form back from a document. `check_field` checks one
expression as typed, in the context of the stored document, for the form's live check.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy.orm import Session

from kechuang.domain.panel import FIELDS
from kechuang.domain.text import forbidden_character, reason
from kechuang.policies import service
from kechuang.policies.tables import PolicyVersion
from kechuang.policies.yaml_splice import splice
from kechuang.rules import document as doc
from kechuang.rules import safe_yaml
from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import Unit
from kechuang.rules.load import check_expression
from kechuang.workflow.errors import Invalid

# The document keys each section replaces (`once` is the benefit's `once`).
# (The same names as the step's input, policies.steps.SectionIn.)
SECTIONS: dict[str, tuple[str, ...]] = {
    "metadata": ("id", "version", "title", "issuer", "document_number", "source_url",
                 "effective", "mode"),
    "parameters": ("parameters",),
    "definitions": ("definitions",),
    "scores": ("scores",),
    "conditions": ("conditions",),
    "benefit": ("benefit",),
    "budget": ("budget",),
    "exclusions": ("exclusions",),
    "once": ("once",),
}  # fmt: skip
# The document's keys in the order the pack writes them.
ORDER = tuple(info.alias or name for name, info in doc.PolicyDoc.model_fields.items())
NAMES_ZH = {
    "metadata": "基本信息", "parameters": "参数", "definitions": "定义", "scores": "评分",
    "conditions": "条件", "benefit": "奖励", "budget": "预算", "exclusions": "互斥政策",
    "once": "享受一次的范围",
}  # fmt: skip
NAMES_EN = {
    "metadata": "Metadata", "parameters": "Parameters", "definitions": "Definitions",
    "scores": "Scores", "conditions": "Conditions", "benefit": "Benefit", "budget": "Budget",
    "exclusions": "Exclusions", "once": "Once scope",
}  # fmt: skip
MAX_DEPTH = 8  # a section's content is at most this deep (a band table is 3 levels)


# -- the document ---------------------------------------------------------------------------------


def document(source: str) -> dict[str, Any]:
    """The draft's text as a document (a mapping); Invalid when the YAML itself is unreadable,
    which only the YAML tab can mend."""
    try:
        data = safe_yaml.load(source)
    except yaml.YAMLError as exc:
        raise Invalid(
            f"the YAML text does not parse ({exc}); correct it in the YAML tab first",
            field="source", zh=f"YAML 文本无法解析（{exc}），请先在 YAML 页签中修正",
        ) from None  # fmt: skip
    if not isinstance(data, dict):
        raise Invalid(
            "the YAML text is not a mapping of keys; correct it in the YAML tab first",
            field="source", zh="YAML 文本不是键值映射，请先在 YAML 页签中修正",
        )  # fmt: skip
    return data


def apply(current: Mapping[str, Any], section: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """The document with `section`'s keys replaced by `content`'s (None or empty: removed)."""
    keys = SECTIONS.get(section)
    if keys is None:
        raise Invalid(f"no section {section!r}; sections: {', '.join(SECTIONS)}", field="section",
                      zh=f"没有“{section}”这一部分")  # fmt: skip
    for key in content:
        if key not in keys:
            raise Invalid(
                f"section {section} has no key {key!r}; its keys: {', '.join(keys)}",
                field="content", zh=f"“{NAMES_ZH[section]}”部分没有键 {key!r}",
            )  # fmt: skip
    if _depth(content) > MAX_DEPTH:
        raise Invalid(f"the content is nested deeper than {MAX_DEPTH} levels", field="content",
                      zh=f"内容嵌套超过 {MAX_DEPTH} 层")  # fmt: skip
    _check_text(content, section)
    result = dict(current)
    if section == "once":
        benefit = result.get("benefit")
        if not isinstance(benefit, dict):
            raise Invalid("the policy has no benefit: write the benefit first", field="content",
                          zh="本政策尚无奖励，请先填写奖励部分")  # fmt: skip
        result["benefit"] = {**benefit, "once": content.get("once")}
        return _ordered(result)
    for key in keys:
        if key not in content:
            continue
        value = content[key]
        if value is None or (value in ([], {}, "") and key != "conditions"):
            result.pop(key, None)
        else:
            result[key] = value
    return _ordered(result)


def _ordered(data: Mapping[str, Any]) -> dict[str, Any]:
    known = {key: data[key] for key in ORDER if key in data}
    return known | {key: value for key, value in data.items() if key not in known}


def _check_text(value: Any, where: str) -> None:
    """Refuse a control character or a lone surrogate anywhere in the content (as the YAML
    text is refused them), naming where it is."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_text(key, where)
            _check_text(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")
    elif isinstance(value, str):
        found = forbidden_character(value, multiline=True)
        if found is None and not value.isascii():
            bad = next((i for i, c in enumerate(value) if 0xD800 <= ord(c) <= 0xDFFF), None)
            found = None if bad is None else (bad, value[bad])
        if found is not None:
            raise Invalid(f"{where} {reason(*found)}", field="content",
                          zh=f"{where} 含有不允许的字符 U+{ord(found[1]):04X}，请删除")  # fmt: skip


def _depth(value: Any) -> int:
    if isinstance(value, Mapping):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


# -- YAML in the pack's layout ----------------------------------------------------------------


class _Flow(dict[str, Any]):
    """A small mapping written on one line (labels, dated values, the period, the budget)."""


class _Number(str):
    """A number exactly as typed (0.20 stays 0.20, never a float's digits)."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists under a key are indented (`values:\n  - {...}`), as the pack writes them.
        super().increase_indent(flow, False)


def _flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _number(dumper: yaml.SafeDumper, data: _Number) -> yaml.Node:
    tag = "int" if re.fullmatch(r"-?[0-9]+", data) else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", str(data))


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(_Number, _number)
_Dumper.add_representer(str, _text)


def to_yaml(data: Mapping[str, Any]) -> str:
    """The document as YAML text, laid out as the shipped pack is."""
    text = yaml.dump(
        _styled(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000
    )
    return text if len(text) <= safe_yaml.MAX_CHARS else _too_long()


def _too_long() -> str:
    raise Invalid(f"the document would exceed {safe_yaml.MAX_CHARS:,} characters",
                  field="content", zh="政策文本过长")  # fmt: skip


def _flat(value: Any) -> Any:
    return _Flow(value) if isinstance(value, dict) else value


def _styled(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("title", "effective", "budget"):
            value = _flat(value)
        elif key == "parameters" and isinstance(value, dict):
            value = {name: _item(p) for name, p in value.items()}
        elif key in ("definitions", "scores", "conditions") and isinstance(value, list):
            value = [_item(x) for x in value]
        elif key == "benefit":
            value = _item(value)
        out[key] = value
    return out


def _item(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = dict(item)
    if "label" in out:
        out["label"] = _flat(out["label"])
    if isinstance(out.get("values"), list):
        out["values"] = [_flat(v) for v in out["values"]]
    return out


# -- saving a section -------------------------------------------------------------------------


def save_section(
    session: Session,
    author: str,
    row: PolicyVersion,
    section: str,
    content: Mapping[str, Any],
    revision: int,
) -> PolicyVersion:
    """Save a draft with one section replaced, through the same edit (and revision check) as a
    YAML text: a stale revision is a Conflict naming who saved in between, nothing changes."""
    service.check_revision(session, row, revision)
    text = splice(row.source, to_yaml(apply(document(row.source), section, content)))
    return service.edit(session, author, row, text, revision)


# -- the form's fields ----------------------------------------------------------------------------


def _number_or_text(text: str) -> Any:
    """A typed value: a plain decimal stays exactly as typed; YAML reads the rest (a date, a
    band table `[[0.3, 20], [0.2, 10]]`, true/false); anything else is text."""
    text = text.strip()
    if text == "":
        return None
    if re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", text):
        return _Number(text)
    try:
        loaded = safe_yaml.load(text)
    except yaml.YAMLError:
        return text
    if isinstance(loaded, bool | dt.date | list | dict):
        return loaded
    return text


def _rows(form: Mapping[str, Any], prefix: str) -> list[dict[str, str]]:
    """The form's rows `{prefix}{i}.{key}` in index order, without removed or all-blank rows."""
    found: dict[int, dict[str, str]] = {}
    pattern = re.compile(rf"{re.escape(prefix)}([0-9]{{1,4}})\.([a-z_]+)")
    for name, value in form.items():
        match = pattern.fullmatch(name)
        if match and isinstance(value, str):
            found.setdefault(int(match[1]), {})[match[2]] = value.strip()
    rows = []
    for index in sorted(found):
        row = found[index]
        if row.get("remove") or not any(v for k, v in row.items() if k not in _UNSHOWN):
            continue
        row["_index"] = str(index)
        rows.append(row)
    return rows


# Fields that do not make a row filled in by themselves (defaults of a blank row).
_UNSHOWN = frozenset({"remove", "kind", "unit", "in_total"})


def _label(row: Mapping[str, str]) -> dict[str, str]:
    return {"zh": row.get("label_zh", ""), "en": row.get("label_en", "")}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, ""):
        target[key] = value


def from_form(section: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The section's document keys from the form's flat fields (as `view` names them)."""
    text = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    if section == "metadata":
        content: dict[str, Any] = {
            "id": text.get("id", ""),
            "version": text.get("version", ""),
            "title": {"zh": text.get("title_zh", ""), "en": text.get("title_en", "")},
            "issuer": text.get("issuer", ""),
            "document_number": text.get("document_number", ""),
            "source_url": text.get("source_url", ""),
            "effective": {"from": _number_or_text(text.get("effective_from", "")),
                          "to": _number_or_text(text.get("effective_to", ""))},
            "mode": text.get("mode", ""),
        }  # fmt: skip
        return content
    if section == "parameters":
        parameters: dict[str, Any] = {}
        for row in _rows(form, "p"):
            item: dict[str, Any] = {"label": _label(row), "unit": row.get("unit", "")}
            _put(item, "reference", row.get("reference"))
            _put(item, "min", _number_or_text(row.get("min", "")))
            _put(item, "max", _number_or_text(row.get("max", "")))
            values = []
            textual = item["unit"] in (Unit.CODE.value, Unit.TEXT.value)
            for dated in _rows(form, f"p{row['_index']}.v"):
                value = dated.get("value", "")
                entry: dict[str, Any] = {
                    "from": _number_or_text(dated.get("from", "")),
                    # A code stays text whatever it looks like ("7320", "0101").
                    "value": value if textual else _number_or_text(value),
                }
                _put(entry, "reference", dated.get("reference"))
                values.append(entry)
            item["values"] = values
            parameters[row.get("name", "")] = item
        return {"parameters": parameters}
    if section in ("definitions", "scores", "conditions"):
        return {section: [_entry(section, row) for row in _rows(form, section[0])]}
    if section == "benefit":
        written = ("label_zh", "label_en", "clause", "amount", "cap")
        if text.get("none") or not any(text.get(k) for k in written):
            return {"benefit": None}
        benefit: dict[str, Any] = {"label": _label(text)}
        _put(benefit, "clause", text.get("clause"))
        benefit["amount"] = text.get("amount", "")
        _put(benefit, "cap", text.get("cap"))
        benefit["once"] = text.get("once", "")
        return {"benefit": benefit}
    if section == "budget":
        if not text.get("amount"):
            return {"budget": None}
        return {"budget": {"amount": _number_or_text(text["amount"]),
                           "allocation": text.get("allocation") or "pro_rata"}}  # fmt: skip
    if section == "exclusions":
        names = [n for n in re.split(r"[\s,，、]+", text.get("exclusions", "")) if n]
        return {"exclusions": names}
    if section == "once":
        return {"once": text.get("once", "")}
    raise Invalid(f"no section {section!r}", field="section", zh=f"没有“{section}”这一部分")


def _entry(section: str, row: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": row.get("id", ""), "label": _label(row)}
    _put(item, "clause", row.get("clause"))
    if section == "scores":
        item["max_points"] = _number_or_text(row.get("max_points", ""))
        _put(item, "expr", row.get("expr"))
        if row.get("manual"):
            item["manual"] = True
        if not row.get("in_total"):
            item["in_total"] = False
        return item
    if section == "conditions":
        if row.get("kind") and row["kind"] != "required":
            item["kind"] = row["kind"]
        _put(item, "expr", row.get("expr"))
        _put(item, "met_if", row.get("met_if"))
        return item
    item["expr"] = row.get("expr", "")
    return item


def shown(value: Any) -> str:
    """A document value as a form field shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@dataclass(frozen=True)
class View:
    """What the form tab draws: the document (or why it cannot), and the choices offered."""

    data: dict[str, Any]
    error: str | None = None
    units: tuple[str, ...] = tuple(u.value for u in Unit)
    kinds: tuple[str, ...] = ("required", "helper", "attestation", "manual_review")
    modes: tuple[str, ...] = ("automatic", "on_threshold", "application")
    once: tuple[str, ...] = ("ever", "per_year", "per_period")
    allocations: tuple[str, ...] = ("pro_rata", "by_score")
    sections: tuple[str, ...] = tuple(SECTIONS)
    names: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {k: (NAMES_ZH[k], NAMES_EN[k]) for k in SECTIONS}
    )


def view(source: str, lang: str = "zh") -> View:
    try:
        return View(document(source))
    except Invalid as exc:
        return View({}, exc.text(lang))


# -- the live check of one expression field -------------------------------------------------------

# What each kind of expression field must give.
KINDS: dict[str, Unit | None] = {
    "definition": None, "score": Unit.NUMBER, "condition": Unit.BOOL, "met_if": Unit.BOOL,
    "amount": Unit.YUAN, "cap": Unit.YUAN,
}  # fmt: skip
FACT_NAMES = tuple(f.name for f in FIELDS)
_UNKNOWN = re.compile(r"unknown name '([^']+)'")
_MEANT = re.compile(r"did you mean '([^']+)'\?")


@dataclass(frozen=True)
class Offer:
    name: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class FieldCheck:
    """One expression field checked: its error at line:column of the field, the parser's
    suggestion, an unknown name and the data contract's facts offered for it, the time."""

    ok: bool
    line: int = 0
    column: int = 0
    message: str = ""
    suggestion: str | None = None
    unknown: str | None = None
    offers: tuple[Offer, ...] = ()
    server_ms: float = 0.0
    empty: bool = False  # nothing typed: nothing to say


def check_field(source: str, expression: str, kind: str, own: str | None = None) -> FieldCheck:
    """Check `expression` as the `kind` field of item `own` in document `source`."""
    started = time.perf_counter()
    if kind not in KINDS:
        raise Invalid(f"no expression field kind {kind!r}; kinds: {', '.join(KINDS)}",
                      field="kind", zh=f"没有表达式类型 {kind!r}")  # fmt: skip
    if not expression.strip():
        return FieldCheck(ok=True, empty=True, server_ms=(time.perf_counter() - started) * 1000)
    try:
        check_expression(expression, source, expect=KINDS[kind], own=own or None)
    except PolicyError as exc:
        meant = _MEANT.search(exc.message)
        unknown = _UNKNOWN.search(exc.message)
        offers: tuple[Offer, ...] = ()
        if unknown is not None:
            close = difflib.get_close_matches(unknown[1], FACT_NAMES, n=5, cutoff=0.5)
            offers = tuple(_offer(name) for name in close)
        return FieldCheck(
            ok=False, line=exc.line, column=exc.column, message=exc.message,
            suggestion=meant[1] if meant else None, unknown=unknown[1] if unknown else None,
            offers=offers, server_ms=(time.perf_counter() - started) * 1000,
        )  # fmt: skip
    return FieldCheck(ok=True, server_ms=(time.perf_counter() - started) * 1000)


def _offer(name: str) -> Offer:
    found = next(f for f in FIELDS if f.name == name)
    return Offer(found.name, found.label_zh, found.label_en)
