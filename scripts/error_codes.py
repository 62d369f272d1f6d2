"""Every error code the API can answer, its HTTP status, params and Chinese text → docs/ERRORS.md.

The codes are read from the source (no import of the app): `code="…"` of every raise of an
api.errors exception, the classes' default codes, the `_json(status, …, code="…")` answers of
api/errors.py, `{"code": "…"}` bodies written by hand (ASGI middleware) and the few computed codes
listed in DYNAMIC. The Chinese texts are the `errors.codes` catalog of frontend/js/i18n/zh-CN/*.js.

    python scripts/error_codes.py          # print the codes that have no Chinese text
    python scripts/error_codes.py --write  # regenerate docs/ERRORS.md
tests/test_error_codes.py fails when a code has no Chinese text or docs/ERRORS.md is stale.
"""
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "api"
CATALOG = ROOT / "frontend" / "js" / "i18n" / "zh-CN"  # errors.codes: base.js, and a screen's own API's in its part
DOC = ROOT / "docs" / "ERRORS.md"
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass
class ErrorCode:
    code: str
    statuses: set[int] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    where: set[str] = field(default_factory=set)


def _classes(tree: ast.Module) -> dict[str, tuple[int, str]]:
    """HolomapError subclasses of api/errors.py: name → (status, default code)."""
    found: dict[str, tuple[int, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            values = {t.id: s.value.value for s in node.body if isinstance(s, ast.Assign)
                      for t in s.targets if isinstance(t, ast.Name) and isinstance(s.value, ast.Constant)}
            if "status" in values or "default_code" in values:
                found[node.name] = (values.get("status", 400), values.get("default_code", "request.invalid"))
    return found


def _constants_returned(path: Path, function: str) -> list[str]:
    tree = ast.parse(path.read_text())
    body = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    return [n.value.value for n in ast.walk(body) if isinstance(n, ast.Return)
            and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)]


def _dict_values(path: Path, name: str) -> list[str]:
    tree = ast.parse(path.read_text())
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in n.targets))
    return [v.value for v in node.values]


def _geometry_codes() -> list[str]:
    tree = ast.parse((ROOT / "geo" / "geometry.py").read_text())
    return sorted({f"geometry.{k.value.value}" for n in ast.walk(tree) if isinstance(n, ast.Call)
                   for k in n.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)})


def _geometry_params() -> dict[str, set[str]]:
    """geometry.<code> → the params geo/geometry.py sends with it (relayed by `params=exc.params`)."""
    found: dict[str, set[str]] = {}
    for n in ast.walk(ast.parse((ROOT / "geo" / "geometry.py").read_text())):
        if not isinstance(n, ast.Call):
            continue
        kw = {k.arg: k.value for k in n.keywords}
        if isinstance(kw.get("code"), ast.Constant) and isinstance(kw.get("params"), ast.Dict):
            found.setdefault(f"geometry.{kw['code'].value}", set()).update(
                k.value for k in kw["params"].keys if isinstance(k, ast.Constant))
    return found


# computed codes: the source text of the `code=` argument → the codes it can take
DYNAMIC = {
    'f"geometry.{exc.code}"': _geometry_codes,
    "lifecycle.refusal_code(row.status, target, row.level)":
        lambda: _constants_returned(API / "disputes" / "lifecycle.py", "refusal_code"),
    "code": lambda: ["route.not_found", "route.method_not_allowed", "http.error"],  # the HTTP handler
    "_DUPLICATE_CODES[duplicate[0]]": lambda: _dict_values(API / "people" / "service.py", "_DUPLICATE_CODES"),
    "exc.code": lambda: [],  # the domain handler relays the exception's own code
}
STATUS_OF = {"route.not_found": 404, "route.method_not_allowed": 405}


def collect() -> dict[str, ErrorCode]:
    """code → ErrorCode, from every Python file under api/."""
    classes = _classes(ast.parse((API / "errors.py").read_text()))
    codes: dict[str, ErrorCode] = {}

    def note(code: str, status: int | None, params: set[str], where: str) -> None:
        entry = codes.setdefault(code, ErrorCode(code))
        if status is not None:
            entry.statuses.add(status)
        entry.params |= params
        entry.where.add(where)

    for status, default in classes.values():
        note(default, status, set(), "api/errors.py")
    for path in sorted(API.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value == "code" and isinstance(value, ast.Constant)
                            and isinstance(value.value, str) and CODE.match(value.value)):
                        given = dict(zip([getattr(k, "value", None) for k in node.keys], node.values,
                                         strict=True)).get("params")
                        note(value.value, None, {k.value for k in given.keys if isinstance(k, ast.Constant)}
                             if isinstance(given, ast.Dict) else set(), rel)
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            if name not in classes and name != "_json":
                continue
            kwargs = {k.arg: k.value for k in node.keywords}
            status = classes[name][0] if name in classes else (
                node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None)
            params = set()
            if isinstance(kwargs.get("params"), ast.Dict):
                params = {k.value for k in kwargs["params"].keys if isinstance(k, ast.Constant)}
            code_node = kwargs.get("code")
            if code_node is None:
                if name in classes:
                    note(classes[name][1], status, params, rel)
                continue
            if isinstance(code_node, ast.Constant):
                note(code_node.value, status, params, rel)
                continue
            text = ast.get_source_segment(source, code_node)
            if text not in DYNAMIC:
                raise SystemExit(f"{rel}:{node.lineno}: computed code {text!r}; list it in DYNAMIC")
            for code in DYNAMIC[text]():
                note(code, STATUS_OF.get(code, status), params, rel)
    for code, params in _geometry_params().items():
        if code in codes:
            codes[code].params |= params
    return codes


def catalog() -> dict[str, str]:
    """The `errors.codes` of the label parts (zh-CN/base.js and the screens' parts): code → Chinese text (one
    `'code': 'text',` a line)."""
    found: dict[str, str] = {}
    for part in sorted(CATALOG.glob("*.js")):
        text = part.read_text()
        if "\n    codes: {" not in text:
            continue
        start = text.index("\n    codes: {")
        end = text.index("\n    },", start)
        found |= dict(re.findall(r"^\s+'([a-z0-9_.]+)':\s*'((?:[^'\\]|\\.)*)',?\s*$", text[start:end], re.M))
    return found


def render(codes: dict[str, ErrorCode], texts: dict[str, str]) -> str:
    lines = [
        "# Error codes",
        "",
        "Every error answer is `{\"detail\": \"<English, for administrators>\", \"code\": \"<code>\", "
        "\"params\": {…}}`",
        "(request validation adds `errors`: `[{field, code, params, message}]` with pydantic's types as",
        "codes). The web app shows the Chinese text of `code` from `errors.codes` in",
        "`frontend/js/i18n/zh-CN/base.js` (the codes of one screen's API in that screen's part),",
        "filling `{name}` from `params`; an unknown code (or one whose part is not loaded) falls back to a",
        "sentence per HTTP status. A new code: raise it (`code=\"domain.reason\"`, `params={…}`), add its",
        "Chinese text to `errors.codes`, then run `python scripts/error_codes.py --write` to regenerate",
        "this file (generated; `tests/test_error_codes.py` checks both).",
        "",
        "| code | HTTP | params | Chinese text |",
        "| --- | --- | --- | --- |",
    ]
    for code in sorted(codes):
        entry = codes[code]
        statuses = ", ".join(str(s) for s in sorted(entry.statuses)) or "—"
        params = ", ".join(sorted(entry.params)) or "—"
        lines.append(f"| `{code}` | {statuses} | {params} | {texts.get(code, '**missing**')} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    codes, texts = collect(), catalog()
    missing = sorted(set(codes) - set(texts))
    if "--write" in sys.argv:
        DOC.write_text(render(codes, texts))
        print(f"wrote {DOC.relative_to(ROOT)}: {len(codes)} codes")
    for code in missing:
        print(f"no Chinese text for {code} ({', '.join(sorted(codes[code].where))})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
