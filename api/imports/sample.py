"""Generated people spreadsheets in the template's layout: for tests, benchmarks and trying the import.

`people_rows` gives valid rows for existing buildings (ID numbers of a region the demo seed does not
use, 650102, so that they are new to a seeded database); `break_rows` spoils chosen rows the ways a real
台账 goes wrong (bad checksum, gender or birth date not matching the ID, unknown address, duplicate ID,
bad phone, bad plate) and says which column each spoils.
"""
import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from api.imports.template import FIELDS
from geo import idnumber

HEADERS = [f.header for f in FIELDS]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文海燕鹏飞宇浩然欣怡子涵雨萱"
_RELATIONS = ("户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女")
_RESIDENCY = ("常住", "常住", "常住", "常住", "暂住", "流动")
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class SampleBuilding:
    """What the sample needs of a building: how it is addressed and its size."""

    std_address_code: str | None
    address: str
    floors: int = 1
    units: int = 1


def people_rows(buildings: list[SampleBuilding], n: int, *, seed: int = 1, first_serial: int = 0,
                by_address: bool = False, region: str = "650102") -> list[dict[str, str]]:
    """n valid resident rows (about 3 per household) spread over the buildings; deterministic."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    serial = first_serial
    rooms_used: set[tuple] = set()
    ids_used: set[str] = set()
    while len(rows) < n:
        building = buildings[serial % len(buildings)]
        unit, floor = rng.randint(1, building.units), rng.randint(1, building.floors)
        room = f"{floor}{rng.randint(1, 4):02d}" if building.floors > 1 else "1"
        place = (building.address, unit, floor, room)
        if place in rooms_used:
            serial += 1
            continue
        rooms_used.add(place)
        household = {
            "户号": f"H{region}{serial:09d}", "单元": str(unit), "楼层": str(floor), "房号": room,
            "户类型": rng.choice(("自有", "自有", "出租")), "户联系电话": _mobile(rng),
            "标准地址编码": "" if by_address else (building.std_address_code or ""),
            "地址": building.address,
        }
        for member in range(min(rng.randint(1, 5), n - len(rows))):
            person = _person(rng, serial, member, region)
            while person["公民身份号码"] in ids_used:
                person = _person(rng, serial, member + 7, region)
            ids_used.add(person["公民身份号码"])
            if person["车牌号"] in ids_used:
                person["车牌号"] = person["车辆类型"] = ""
            ids_used.add(person["车牌号"] or "-")
            rows.append({**household, **person})
        serial += 1
    return rows


def _person(rng: random.Random, serial: int, member: int, region: str) -> dict[str, str]:
    gender = rng.choice("MF")
    birth = date(1940, 1, 1) + timedelta(days=(serial * 7 + member * 3001) % 27000)
    id_number = idnumber.make(region, birth, (serial // 3000 * 5 + member) % 500, gender)
    row = {
        "姓名": rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2))),
        "公民身份号码": id_number, "性别": "男" if gender == "M" else "女", "出生日期": birth.isoformat(),
        "联系电话": _mobile(rng) if rng.random() < 0.8 else "", "人口类型": rng.choice(_RESIDENCY),
        "与户主关系": _RELATIONS[min(member, len(_RELATIONS) - 1)], "人员标签": "", "国籍": "",
        "迁入日期": "", "迁出日期": "", "车牌号": "", "车辆类型": "", "车辆品牌": "", "车身颜色": "",
    }
    if birth.year < 1955 and rng.random() < 0.2:
        row["人员标签"] = "独居老人"
    if member == 0 and rng.random() < 0.3:
        row["车牌号"] = "鲁M" + "".join(rng.choice(_PLATE_CHARS) for _ in range(5))
        row["车辆类型"] = "小型汽车"
    return row


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}"


def break_rows(rows: list[dict[str, str]]) -> dict[int, tuple[str, str]]:
    """Spoil rows 1, 3, 5, … in place; returns {index in rows: (column header, what is wrong)}."""
    broken: dict[int, tuple[str, str]] = {}

    def spoil(i: int, column: str, value: str, what: str) -> None:
        rows[i][column] = value
        broken[i] = (column, what)

    ident = rows[1]["公民身份号码"]
    spoil(1, "公民身份号码", ident[:17] + ("0" if ident[17] != "0" else "1"), "checksum")
    spoil(3, "性别", "女" if rows[3]["性别"] == "男" else "男", "gender")
    spoil(5, "出生日期", "1999-02-30" if rows[5]["出生日期"] != "1999-02-30" else "2000-01-01", "birth")
    birth = date.fromisoformat(rows[7]["公民身份号码"][6:14][:4] + "-" + rows[7]["公民身份号码"][10:12] + "-"
                               + rows[7]["公民身份号码"][12:14])
    spoil(7, "出生日期", (birth + timedelta(days=1)).isoformat(), "birth")
    rows[9]["户号"] = "HNOWHERE0001"  # a household of its own, at an address no building has
    spoil(9, "标准地址编码", "NO-SUCH-ADDRESS-0001", "address")
    rows[11]["性别"], rows[11]["出生日期"] = rows[0]["性别"], rows[0]["出生日期"]
    spoil(11, "公民身份号码", rows[0]["公民身份号码"], "duplicate")
    spoil(13, "联系电话", "12345", "phone")
    spoil(15, "车牌号", "AB-1", "plate")
    return broken


def to_csv(rows: list[dict[str, str]], headers: list[str] = HEADERS, encoding: str = "utf-8-sig") -> bytes:
    """The rows as a CSV file (UTF-8 with BOM, as Excel saves it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def to_xlsx(rows: list[dict[str, str]], headers: list[str] = HEADERS, title: str | None = None) -> bytes:
    """The rows as an XLSX workbook (every cell text, as the template asks); optional title row on top."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("实有人口")
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
