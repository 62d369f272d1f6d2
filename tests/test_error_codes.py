"""Every error code the API raises has Chinese text in the web app's catalog, and docs/ERRORS.md is
current (scripts/error_codes.py reads both from the source; `--write` regenerates the doc)."""
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("error_codes", ROOT / "scripts" / "error_codes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_raised_code_has_chinese_text() -> None:
    tool = _tool()
    codes, texts = tool.collect(), tool.catalog()
    assert len(codes) > 100 and "dispute.transition_not_allowed" in codes and "request.validation" in codes
    undotted = sorted(code for code in codes if not tool.CODE.match(code))
    assert not undotted, f"codes are dotted, domain.reason: {undotted}"
    missing = {code: sorted(codes[code].where) for code in codes if code not in texts}
    assert not missing, f"add these codes to errors.codes in frontend/js/i18n/zh-CN/base.js: {missing}"


def test_catalog_placeholders_are_params_of_their_code() -> None:
    tool = _tool()
    codes, texts = tool.collect(), tool.catalog()
    wrong = {code: text for code, text in texts.items() if code in codes
             and not set(re.findall(r"\{(\w+)\}", text)) <= codes[code].params}
    assert not wrong, f"these texts name params their code does not send: {wrong}"


def test_errors_doc_is_current() -> None:
    tool = _tool()
    expected = tool.render(tool.collect(), tool.catalog())
    assert (ROOT / "docs" / "ERRORS.md").read_text() == expected, "run: python scripts/error_codes.py --write"


def test_codes_are_read_from_raise_sites() -> None:
    """The collector sees a raise's code, status and params (so a new code cannot slip past it)."""
    tool = _tool()
    codes = tool.collect()
    assert codes["dispute.transition_not_allowed"].statuses == {409}
    assert {"from", "to", "allowed"} <= codes["dispute.transition_not_allowed"].params
    assert codes["visit.correct_window_closed"].params == {"hours", "recorded_at"}
    assert codes["route.not_found"].statuses == {404} and "geometry.invalid_geometry" in codes
