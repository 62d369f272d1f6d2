"""实有单位 of the seeded district, derived from the loaded buildings and residents (issue 17).

Rates like a small town's register: every commercial building 1–5 shops, restaurants, a hotel, an internet
café…; public buildings a school, kindergarten, clinic or office; industrial ones a factory or warehouse;
and one village shop (小卖部) or clinic in about one village house in 40. Employees are residents of the
same village (linked persons) — 0 to 8 per organisation. A controlled share of each data-quality defect:
no person in charge (~5%), no employee (~10%), fire-safety check missing or over a year old (~12%).

Runs in the seed's transaction after the COPY (api/… triggers derive each organisation's beat), is
deterministic (a random stream per building) and skipped when the table does not exist.
"""
import random
from datetime import timedelta

import psycopg

from geo.creditcode import make as credit_code
from seed.scales import ANCHOR

BUILDINGS = """
SELECT b.id, b.kind, b.units, b.floors, v.id AS village_id, v.name AS village, v.kind AS village_kind,
       b.address
FROM building b JOIN village v ON v.id = b.village_id
WHERE b.kind IN ('commercial', 'public', 'industrial')
   OR (b.kind IN ('residential', 'mixed') AND v.kind = 'village' AND b.floors <= 3 AND b.id % 40 = 7)
ORDER BY b.id
"""
# working-age residents, a sample per village (employees are drawn from it)
WORKERS = """
SELECT p.id, p.name, p.id_number, p.phone, b.village_id
FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
WHERE p.moved_out IS NULL AND p.id %% 17 = 3
  AND p.birth_date BETWEEN %(anchor)s::date - interval '60 years' AND %(anchor)s::date - interval '18 years'
ORDER BY p.id
"""

WORDS = ("鑫源", "惠民", "金鼎", "福满", "顺达", "宏达", "永盛", "华联", "佳乐", "万家", "兴隆", "利民", "红星", "瑞丰",
         "德顺", "和美", "东方", "百姓", "便民", "康宁")
COMMERCIAL = (("shop", "超市"), ("shop", "便利店"), ("restaurant", "饭店"), ("restaurant", "快餐"), ("shop", "五金店"),
              ("hotel", "宾馆"), ("internet_cafe", "网吧"), ("entertainment", "KTV"), ("clinic", "诊所"),
              ("shop", "服装店"), ("restaurant", "烧烤"), ("shop", "手机店"))
PUBLIC = (("school", "小学"), ("kindergarten", "幼儿园"), ("clinic", "卫生院"), ("office", "便民服务中心"),
          ("school", "中学"))
INDUSTRIAL = (("factory", "机械厂"), ("factory", "纺织厂"), ("warehouse", "物流仓库"), ("factory", "食品厂"))
VILLAGE = (("shop", "小卖部"), ("shop", "小卖部"), ("clinic", "卫生室"), ("restaurant", "小吃部"))
SMALL_VENUES = {"shop", "restaurant", "hotel", "internet_cafe", "entertainment", "clinic"}  # 九小场所
KEY_UNITS = {"school", "kindergarten", "factory", "hotel", "internet_cafe", "warehouse"}
ROLES = ("店员", "收银员", "厨师", "服务员", "保安", "会计", "操作工", "教师")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"

ORG_COLUMNS = ("id", "building_id", "name", "kind", "small_venue", "key_unit", "credit_code", "legal_rep",
               "person_in_charge", "phone", "unit", "floor", "room", "opened_on", "status", "fire_check_on")
EMP_COLUMNS = ("organisation_id", "person_id", "name", "id_number", "phone", "role", "since")


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def _choices(building) -> list[tuple[str, str]]:
    rng = random.Random(building.id * 7919)
    if building.kind == "commercial":
        return [rng.choice(COMMERCIAL) for _ in range(rng.randint(1, 5))]
    if building.kind == "public":
        return [rng.choice(PUBLIC)]
    if building.kind == "industrial":
        return [rng.choice(INDUSTRIAL)]
    return [rng.choice(VILLAGE)]


def seed_organisations(cur: psycopg.Cursor) -> int:
    """Insert the district's organisations and employees; returns the number of organisations."""
    if cur.execute("SELECT to_regclass('organisation') IS NULL").fetchone()[0]:
        return 0
    workers: dict[int, list] = {}
    for w in cur.execute(WORKERS, {"anchor": ANCHOR}).fetchall():
        workers.setdefault(w[4], []).append(w)
    buildings = cur.execute(BUILDINGS).fetchall()
    cur.execute("SELECT coalesce(max(id), 0) FROM organisation")
    next_id = cur.fetchone()[0] + 1
    orgs, employees = [], []
    serial = 0
    for b in buildings:
        b = _Row(b)
        rng = random.Random(b.id)
        for k, (kind, suffix) in enumerate(_choices(b)):
            serial += 1
            if kind in ("school", "kindergarten", "office") or suffix in ("卫生院", "卫生室"):
                name = f"{b.village}{suffix}"
            else:
                name = f"{rng.choice(WORDS)}{suffix}"
            first17 = ("92" if kind in SMALL_VENUES else "91") + "371602" + f"{serial:09d}"
            code = credit_code(first17) if rng.random() < 0.9 else None  # some 个体户 without a code on file
            in_charge = None if rng.random() < 0.05 else _person_name(rng)
            fire = None if rng.random() < 0.04 else ANCHOR - timedelta(days=rng.randint(10, 330 if rng.random() < 0.92
                                                                                             else 800))
            floor = 1 if b.kind != "public" else None
            orgs.append((next_id, b.id, name, kind, kind in SMALL_VENUES, kind in KEY_UNITS, code,
                         in_charge if rng.random() < 0.7 else _person_name(rng), in_charge, _phone(rng),
                         1 if floor else None, floor, f"10{k + 1}" if floor else None,
                         ANCHOR - timedelta(days=rng.randint(60, 3650)),
                         "open" if rng.random() < 0.93 else "suspended", fire))
            pool = workers.get(b.village_id, [])
            n = 0 if rng.random() < 0.10 else rng.randint(1, 8 if kind in ("factory", "school") else 4)
            for w in rng.sample(pool, min(n, len(pool))):
                employees.append((next_id, w[0], w[1], w[2], w[3], rng.choice(ROLES),
                                  ANCHOR - timedelta(days=rng.randint(30, 2000))))
            next_id += 1
    with cur.copy(f"COPY organisation ({', '.join(ORG_COLUMNS)}) FROM STDIN") as copy:
        for row in orgs:
            copy.write_row(row)
    with cur.copy(f"COPY organisation_employee ({', '.join(EMP_COLUMNS)}) FROM STDIN") as copy:
        for row in employees:
            copy.write_row(row)
    cur.execute("SELECT setval(pg_get_serial_sequence('organisation', 'id'), greatest(%s, 1), %s)",
                (next_id - 1, next_id > 1))
    cur.execute("SELECT setval(pg_get_serial_sequence('organisation_employee', 'id'),"
                " (SELECT greatest(max(id), 1) FROM organisation_employee))")
    cur.execute("ANALYZE organisation")
    cur.execute("ANALYZE organisation_employee")
    return len(orgs)


class _Row:
    __slots__ = ("id", "kind", "units", "floors", "village_id", "village", "village_kind", "address")

    def __init__(self, values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)
