"""The Chinese labels the server words itself (the audit CSV, an import report's problem tally): the part of
frontend/js/i18n/zh-CN.js (every part merged) listed in frontend/tools/server-labels.mjs, kept in
api/labels_zh.json and checked equal to the web app's by tests/audit/test_csv_chinese.py. Same lookups as
frontend/js/i18n/index.js."""
import json
import re
from functools import cache
from pathlib import Path


@cache
def labels() -> dict:
    return json.loads((Path(__file__).with_name("labels_zh.json")).read_text(encoding="utf-8"))


def js_str(value) -> str:
    """A value as JavaScript's String() shows it (true, null, 2 for 2.0, lists joined with commas)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else js_str(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def fill(template: str, params: dict | None) -> str:
    """'{name}' placeholders filled from params (unknown names stay as they are)."""
    return re.sub(r"\{(\w+)\}", lambda m: js_str(params[m[1]]) if params and m[1] in params else m[0], template)


def lookup(key: str):
    node = labels()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def t(key: str, params: dict | None = None):
    """The label of a dotted key, filled from params; a missing key shows itself."""
    value = lookup(key)
    if value is None:
        return key
    if not isinstance(value, str):
        return value
    return fill(value, params) if params else value


def label(section: str, value) -> str:
    """A domain value's label, falling back to the value itself."""
    found = t(f"{section}.{js_str(value)}")
    return js_str(value) if found == f"{section}.{js_str(value)}" else found


def status_text(status) -> str:
    catalog = labels()["errors"]["status"]
    if status is None:
        return catalog["other"]
    if isinstance(catalog.get(js_str(status)), str):
        return catalog[js_str(status)]
    return catalog["500"] if isinstance(status, (int, float)) and status >= 500 else catalog["other"]


def error_text(status, code: str | None, params: dict | None) -> str:
    """An API error's Chinese sentence by its code (frontend/js/ui/error-text.js errorText, without field lists)."""
    catalog = labels()["errors"]
    if status == 0:
        return catalog["status"]["0"]
    if code and isinstance(catalog["codes"].get(code), str):
        sections = catalog["param_labels"].get(code, {})
        shown = {}
        for name, value in (params or {}).items():
            names = (lookup(sections[name]) or {}) if name in sections else {}

            def one(v, names=names):
                return names[js_str(v)] if v is not None and isinstance(names.get(js_str(v)), str) else js_str(v)
            shown[name] = "、".join(one(v) for v in value) if isinstance(value, list) else one(value)
        return fill(catalog["codes"][code], shown)
    return status_text(status)
