"""Validation of people-spreadsheet rows, a chunk at a time, into staging lines and a report of problems.

Column-at-a-time (one list per field) so that 100,000s of rows validate in well under a second; the
ID-number checks are vectorised (api.imports.idcheck). State kept across chunks catches duplicates
(ID numbers, plates) and households described differently on different rows: the first row wins and
later rows are reported. Addresses are matched to buildings in SQL (api.imports.people), which
reports unknown and ambiguous ones.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from api.imports import values as cell
from api.imports.idcheck import check_column
from api.imports.template import (
    DOCUMENT_KINDS,
    GENDERS,
    HOUSEHOLD_KINDS,
    LIST_SEPARATORS,
    RESIDENCY,
    TAGS,
    VEHICLE_KINDS,
)
from geo import idnumber

NULL = "\\N"  # COPY text format's NULL
DOCUMENT_NUMBER = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff-]{4,32}$")


def _document_number(value: str) -> str:
    """A 居住证, passport or permit number: 4–32 letters, digits, Chinese characters or hyphens."""
    folded = cell.fold(value).upper()
    if not DOCUMENT_NUMBER.match(folded):
        raise ValueError("证件号码格式不正确 a document number is 4–32 letters, digits or hyphens")
    return folded
MAX_REPORTED_ERRORS = 2000



@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row number, column header as written in the file, the value, the reason."""

    row: int
    column: str
    value: str
    reason: str  # Chinese and English, for the command line and API readers
    problem: str = "other"  # its stable name: the web app words it in Chinese (admin.row_problems)
    params: dict = field(default_factory=dict)  # the values of that sentence

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason,
                "problem": self.problem, "params": self.params}


@dataclass
class CheckedChunk:
    """Staging lines (COPY text format) of the valid rows, and the problems of the others."""

    rows: int = 0
    person_lines: list[str] = field(default_factory=list)
    household_lines: list[str] = field(default_factory=list)
    vehicle_lines: list[str] = field(default_factory=list)
    # row number, address code, address text of the invalid rows: their address is checked in SQL too
    address_lines: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: int = 0


class PeopleValidator:
    """Validates chunks of rows; `columns` maps canonical keys to (cell index, header text)."""

    def __init__(self, columns: dict[str, tuple[int, str]]):
        self.columns = columns
        self.first_row_of_id: dict[str, int] = {}
        self.first_row_of_plate: dict[str, tuple[int, str]] = {}
        self.households: dict[str, tuple[int, tuple]] = {}
        self.rooms: dict[tuple, tuple[str, int]] = {}

    # -- one chunk -------------------------------------------------------------------------------
    def check(self, chunk: list[tuple[int, list[str]]]) -> CheckedChunk:
        """Validate rows (blank rows are skipped) and build the staging lines of the valid ones."""
        width = max(index for index, _ in self.columns.values()) + 1
        chunk = [(n, cells) for n, cells in chunk if "".join(cells).strip()]
        rows = [cells if len(cells) >= width else cells + [""] * (width - len(cells)) for _, cells in chunk]
        self._cells = list(zip(*rows, strict=False)) if rows else [()] * width
        self._n, self._errors, self._bad = len(chunk), [], set()
        self._row_nos = [n for n, _ in chunk]
        out: dict[str, list[str]] = {}
        out["name"] = self._texts("name", 64, required=True)
        id_numbers, genders, births = self._id_numbers()
        out["id_number"], out["gender"], out["birth_date"] = id_numbers, genders, births
        out["phone"] = self._optional("phone", cell.parse_phone)
        out["residency"] = self._choice("residency", RESIDENCY)
        out["relation_to_head"] = self._texts("relation_to_head", 16)
        out["tags"] = self._tags()
        out["nationality"] = self._optional("nationality", cell.parse_nationality)
        out["moved_in"], out["moved_out"] = self._moves()
        out["registered_address"] = self._texts("registered_address", 200)
        out["permit_no"] = self._optional("permit_no", _document_number)
        out["permit_expires"] = self._optional("permit_expires", lambda v: cell.parse_date(v).isoformat())
        out["document_kind"] = self._choice("document_kind", DOCUMENT_KINDS)
        out["document_no"] = self._optional("document_no", _document_number)
        out["visa_expires"] = self._optional("visa_expires", lambda v: cell.parse_date(v).isoformat())
        vehicles = self._vehicles(id_numbers)
        hh_keys, result_households = self._households()
        result = CheckedChunk(rows=self._n, errors=self._errors, invalid_rows=len(self._bad),
                              household_lines=result_households)
        order = ("name", "id_number", "gender", "birth_date", "phone", "residency", "relation_to_head",
                 "tags", "nationality", "moved_in", "moved_out", "registered_address", "permit_no", "permit_expires",
                 "document_kind", "document_no", "visa_expires")
        columns = [list(map(str, self._row_nos)), hh_keys, *(out[k] for k in order)]
        lines = map("\t".join, zip(*columns, strict=True))
        bad = self._bad
        result.person_lines = [line for i, line in enumerate(lines) if i not in bad] if bad else list(lines)
        result.vehicle_lines = ["\t".join((str(self._row_nos[v[0]]), *v[1:]))
                                for v in vehicles if v[0] not in bad]
        codes, addresses = self._places_seen
        result.address_lines = [f"{self._row_nos[i]}\t{codes[i]}\t{addresses[i]}" for i in sorted(bad)
                                if codes[i] is not NULL or addresses[i] is not NULL]
        return result

    # -- helpers -------------------------------------------------------------------------------------
    def _column(self, key: str) -> list[str] | None:
        spec = self.columns.get(key)
        if spec is None:
            return None
        return [v.strip() for v in self._cells[spec[0]]]

    def _error(self, i: int, key: str, value: str, reason: str, problem: str = "other",
               params: dict | None = None) -> None:
        self._bad.add(i)
        header = self.columns[key][1] if key in self.columns else key
        self._errors.append(cell_error(self._row_nos[i], header, value, reason, problem, params))

    def _refused(self, i: int, key: str, value: str, exc: ValueError) -> None:
        """A parser's refusal (CellProblem) as this row's problem."""
        self._error(i, key, value, str(exc), getattr(exc, "problem", "other"), getattr(exc, "params", None))

    def _optional(self, key: str, parse: Callable[[str], object]) -> list:
        column = self._column(key)
        if column is None:
            return [NULL] * self._n
        result = []
        for i, value in enumerate(column):
            if not value:
                result.append(NULL)
                continue
            try:
                result.append(parse(value))
            except ValueError as exc:
                self._refused(i, key, value, exc)
                result.append(NULL)
        return result

    def _texts(self, key: str, max_length: int, required: bool = False) -> list[str]:
        column = self._column(key)
        if column is None:
            return [NULL] * self._n
        for i, value in enumerate(column):
            if not value:
                if required:
                    self._error(i, key, value, "必填 required", "required")
                column[i] = NULL
            elif len(value) > max_length or not value.isprintable() or "\\" in value:
                try:
                    cell.parse_text(value, max_length)
                except ValueError as exc:
                    self._refused(i, key, value, exc)
                    column[i] = NULL
        return column

    def _choice(self, key: str, choices: dict[str, str]) -> list[str]:
        column = self._column(key)
        if column is None:
            return [NULL] * self._n
        result = [choices.get(v, "?") if v else NULL for v in column]
        for i, code in enumerate(result):
            if code == "?":
                allowed = "、".join(k for k in choices if not k.isascii())
                self._error(i, key, column[i], f"不是允许的值 not one of: {allowed}", "not_allowed",
                            {"allowed": allowed})
                result[i] = NULL
        return result

    def _id_numbers(self) -> tuple[list[str], list[str], list[str]]:
        column = self._column("id_number") or [""] * self._n
        column = [cell.fold(v).upper() for v in column]
        ok, male = check_column(column)
        genders = ["M" if m else "F" for m in male.tolist()]
        births = [f"{v[6:10]}-{v[10:12]}-{v[12:14]}" for v in column]
        for i in (~ok).nonzero()[0].tolist():
            self._error(i, "id_number", column[i], *_id_reason(column[i]))
        seen = self.first_row_of_id
        for i, (value, row_no) in enumerate(zip(column, self._row_nos, strict=True)):
            first = seen.setdefault(value, row_no)
            if first != row_no and ok[i]:
                self._error(i, "id_number", value, f"身份证号重复 duplicate ID number, first on row {first}",
                            "id_duplicate", {"first": first})
        self._agree_with_id(ok, genders, births)
        return column, genders, births

    def _agree_with_id(self, ok, genders: list[str], births: list[str]) -> None:
        """The gender and birth-date columns, when given, must say what the ID number says."""
        gender_column = self._column("gender")
        for i, value in enumerate(gender_column or ()):
            if value and ok[i] and GENDERS.get(value) != genders[i]:
                said = "男" if genders[i] == "M" else "女"
                if value in GENDERS:
                    self._error(i, "gender", value, f"性别与身份证号不符 gender does not match the ID number "
                                f"(the ID says {said})", "gender_mismatch", {"said": said})
                else:
                    self._error(i, "gender", value, "性别应为 男 或 女 gender must be 男 or 女", "gender_value")
        birth_column = self._column("birth_date")
        for i, value in enumerate(birth_column or ()):
            if not value or not ok[i] or value == births[i]:
                continue
            try:
                same = cell.parse_date(value).isoformat() == births[i]
                refusal = (f"出生日期与身份证号不符 birth date does not match the ID number ({births[i]})",
                           "birth_mismatch", {"birth": births[i]})
            except ValueError as exc:
                same, refusal = False, (str(exc), getattr(exc, "problem", "other"), getattr(exc, "params", None))
            if not same:
                self._error(i, "birth_date", value, *refusal)

    def _tags(self) -> list[str]:
        column = self._column("tags")
        if column is None:
            return [NULL] * self._n
        result = []
        for i, value in enumerate(column):
            codes = [TAGS.get(t) for t in cell.split_list(value, LIST_SEPARATORS)] if value else []
            if None in codes:
                allowed = "、".join(k for k in TAGS if not k.isascii())
                self._error(i, "tags", value, "未知的标签 unknown tag; allowed: " + allowed, "unknown_tag",
                            {"allowed": allowed})
            result.append("{" + ",".join(sorted(set(codes) - {None})) + "}" if value else NULL)
        return result

    def _moves(self) -> tuple[list, list]:
        moved_in = self._optional("moved_in", lambda v: cell.parse_date(v).isoformat())
        moved_out = self._optional("moved_out", lambda v: cell.parse_date(v).isoformat())
        for i, (a, b) in enumerate(zip(moved_in, moved_out, strict=True)):
            if a is not NULL and b is not NULL and b < a:
                self._error(i, "moved_out", b, "迁出日期早于迁入日期 moved out before moving in", "moved_out_early")
        return moved_in, moved_out

    def _households(self) -> tuple[list[str], list[str]]:
        """Each row's household key, and staging lines for the households first seen in this chunk."""
        n = self._n
        hukou = self._texts("hukou_no", 32)
        units = self._optional("unit", lambda v: str(cell.parse_small_int(v, 1, 100)))
        floors = self._optional("floor", lambda v: str(cell.parse_small_int(v, -10, 200)))
        rooms = self._texts("room", 16)
        kinds = self._choice("household_kind", HOUSEHOLD_KINDS)
        phones = self._optional("household_phone", cell.parse_phone)
        landlords = self._texts("landlord_name", 50)
        landlord_ids = self._optional("landlord_id_number", _landlord_id)
        landlord_phones = self._optional("landlord_phone", cell.parse_phone)
        lease_starts = self._optional("lease_start", lambda v: cell.parse_date(v).isoformat())
        lease_ends = self._optional("lease_end", lambda v: cell.parse_date(v).isoformat())
        for i, (a, b) in enumerate(zip(lease_starts, lease_ends, strict=True)):
            if a is not NULL and b is not NULL and b < a:
                self._error(i, "lease_end", b, "租期结束早于租期开始 the lease ends before it starts",
                            "lease_end_early")
        codes, addresses = self._places()
        self._places_seen = (codes, addresses)
        keys = [NULL] * n
        bad, row_nos, lines = self._bad, self._row_nos, []
        for i in range(n):
            if i in bad:
                continue
            unit = "1" if units[i] is NULL else units[i]
            floor = "1" if floors[i] is NULL else floors[i]
            room = "1" if rooms[i] is NULL else rooms[i]
            building = codes[i] if codes[i] is not NULL else "@" + addresses[i]
            key, new = self._household_key(i, hukou[i], (building, unit, floor, room))
            keys[i] = key
            if new:
                lines.append("\t".join((key, str(row_nos[i]), hukou[i], codes[i], addresses[i], unit, floor,
                                        room, kinds[i], phones[i], landlords[i], landlord_phones[i],
                                        lease_starts[i], lease_ends[i], landlord_ids[i])))
        return keys, lines

    def _household_key(self, i: int, hukou: str, place: tuple) -> tuple[str, bool]:
        """The household's key and whether it is new; a household placed differently earlier is an error."""
        key = f"H:{hukou}" if hukou is not NULL else "R:" + "\x1f".join(map(str, place))
        first = self.households.setdefault(key, (self._row_nos[i], place))
        if first[0] == self._row_nos[i]:
            holder = self.rooms.setdefault(place, (key, self._row_nos[i]))
            if holder[0] == key:
                return key, True
            del self.households[key]
            self._error(i, "hukou_no" if "hukou_no" in self.columns else "room", hukou,
                        f"该房间在第{holder[1]}行已属另一户 this room belongs to another household on row "
                        f"{holder[1]}", "room_other_household", {"row": holder[1]})
            return NULL, False
        if first[1] != place:
            self._error(i, "room" if "room" in self.columns else "hukou_no", "/".join(map(str, place[1:])),
                        f"同一户在第{first[0]}行的地址/单元/楼层/房号不同 the same household is placed "
                        f"differently on row {first[0]}", "household_placed_differently", {"row": first[0]})
            return NULL, False
        return key, False

    def _places(self) -> tuple[list[str], list[str]]:
        """Standard address code and address text of each row (one is required); matched in SQL."""
        n = self._n
        codes = self._texts("std_address_code", 64)
        addresses = self._texts("address", 200)
        addresses = [a if a is NULL else cell.fold(a) for a in addresses]
        for i in range(n):
            if codes[i] is NULL and addresses[i] is NULL:
                self._error(i, "address", "", "必填 required: a standard address code or an address",
                            "address_required")
            elif codes[i] is not NULL:
                addresses[i] = NULL  # the code wins; the text is only a fallback
        return codes, addresses

    def _vehicles(self, id_numbers: list[str]) -> list[tuple]:
        """(row index, plate, kind, brand, color, owner id number) for every plate in the sheet."""
        plates = self._column("plate")
        if plates is None:
            return []
        kinds = self._choice("vehicle_kind", VEHICLE_KINDS)
        brands = self._texts("vehicle_brand", 32)
        colors = self._texts("vehicle_color", 16)
        result = []
        for i, value in enumerate(plates):
            for part in cell.split_list(value, LIST_SEPARATORS) if value else ():
                try:
                    plate = cell.parse_plate(part)
                except ValueError as exc:
                    self._refused(i, "plate", part, exc)
                    continue
                first = self.first_row_of_plate.setdefault(plate, (self._row_nos[i], id_numbers[i]))
                if first[1] != id_numbers[i]:
                    self._error(i, "plate", part, f"车牌号重复 the same plate belongs to another person on "
                                f"row {first[0]}", "plate_duplicate", {"row": first[0]})
                    continue
                result.append((i, plate, kinds[i], brands[i], colors[i], id_numbers[i]))
        return result


def _landlord_id(value: str) -> str:
    """The landlord's ID number (GB 11643), normalised; linked to the resident who has it, if registered."""
    try:
        return idnumber.parse(cell.fold(value).upper()).id_number
    except idnumber.IdNumberError as exc:
        raise cell.CellProblem(str(exc), exc.problem, exc.params) from None


def cell_error(row: int, column: str, value: str, reason: str, problem: str = "other",
               params: dict | None = None) -> RowError:
    """A RowError with the value cut to a readable length."""
    return RowError(row=row, column=column, value=value[:80], reason=reason, problem=problem, params=params or {})


def _id_reason(value: str) -> tuple[str, str, dict]:
    """(reason, problem, params) of an ID number the vectorised check refused."""
    if not value:
        return "必填 required", "required", {}
    if "E+" in value or "." in value:
        return ("身份证号被存成了数字 the ID number was stored as a number and lost digits; "
                "format the column as text and type it again", "id_as_number", {})
    try:
        idnumber.parse(value)
    except idnumber.IdNumberError as exc:
        return str(exc), exc.problem, exc.params
    return "身份证号无效 invalid ID number", "id_invalid", {}
