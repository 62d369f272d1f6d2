"""The organisations (实有单位) spreadsheet template: canonical fields, Chinese headers, accepted aliases.

docs/import-template.md documents the same table for clerks; keep the two in step.
"""
from api.imports.template import Field, normalize_header
from api.organisations.schemas import KIND_ALIASES, KINDS, STATUS_ALIASES, STATUSES

ORG_FIELDS: tuple[Field, ...] = (
    Field("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码")),
    Field("name", "单位名称", ("名称", "单位名", "企业名称", "店名", "场所名称"), required=True),
    Field("kind", "单位类型", ("类型", "行业类别", "场所类型"), required=True),
    Field("small_venue", "九小场所", ("是否九小场所",)),
    Field("key_unit", "重点单位", ("是否重点单位",)),
    Field("std_address_code", "标准地址编码", ("地址编码", "标准地址码")),
    Field("address", "地址", ("单位地址", "经营地址", "场所地址", "房屋地址")),
    Field("unit", "单元", ("单元号",)),
    Field("floor", "楼层", ("层",)),
    Field("room", "房号", ("房间号", "室", "门牌号")),
    Field("legal_rep", "法定代表人", ("法人", "法人代表")),
    Field("person_in_charge", "负责人", ("实际负责人", "联系人")),
    Field("phone", "联系电话", ("电话", "负责人电话", "手机号")),
    Field("opened_on", "开业日期", ("成立日期", "开业时间")),
    Field("status", "经营状态", ("状态",)),
    Field("fire_check_on", "消防检查日期", ("最近消防检查日期", "消防检查时间")),
    Field("notes", "备注", ("说明",)),
)
ORG_FIELD_BY_KEY = {f.key: f for f in ORG_FIELDS}

# the kind and status words a clerk types (the organisation API's aliases and codes)
ORG_KINDS = {**KIND_ALIASES, "旅店": "hotel", "出租屋": "hotel", "网咖": "internet_cafe", "医疗机构": "clinic",
             **{k: k for k in KINDS}}
ORG_STATUSES = {**STATUS_ALIASES, **{s: s for s in STATUSES}}
YES_NO = {"是": True, "否": False, "Y": True, "N": False, "y": True, "n": False, "1": True, "0": False,
          "√": True, "✓": True, "×": False, "true": True, "false": False, "TRUE": True, "FALSE": False}


def org_header_lookup() -> dict[str, str]:
    """Every accepted header text of the organisations template → canonical key."""
    lookup: dict[str, str] = {}
    for f in ORG_FIELDS:
        for name in (f.key, f.header, *f.aliases):
            lookup[normalize_header(name)] = f.key
    return lookup


# The 从业人员 (employees) sheet: one row per employee of an organisation, the organisation named by its
# 统一社会信用代码 or by its name and its building's standard address code or address (docs/import-template.md)
EMPLOYEE_FIELDS: tuple[Field, ...] = (
    Field("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码")),
    Field("organisation", "单位名称", ("单位", "单位名", "企业名称", "店名", "场所名称")),
    Field("std_address_code", "标准地址编码", ("地址编码", "标准地址码")),
    Field("address", "地址", ("单位地址", "经营地址", "场所地址", "房屋地址")),
    Field("name", "姓名", ("从业人员姓名", "员工姓名", "人员姓名"), required=True),
    Field("id_number", "公民身份号码", ("身份证号", "身份证号码", "从业人员身份证号", "证件号码"), required=True),
    Field("role", "岗位", ("职务", "工种", "从业岗位")),
    Field("since", "入职日期", ("从业日期", "入职时间", "上岗日期")),
    Field("phone", "联系电话", ("电话", "手机号")),
    Field("left_on", "离职日期", ("离职时间",)),
)
EMPLOYEE_FIELD_BY_KEY = {f.key: f for f in EMPLOYEE_FIELDS}


def employee_header_lookup() -> dict[str, str]:
    """Every accepted header text of the employees template → canonical key."""
    return {normalize_header(name): f.key for f in EMPLOYEE_FIELDS for name in (f.key, f.header, *f.aliases)}
