"""The people spreadsheet template: canonical fields, their Chinese headers, accepted aliases and values.

docs/import-template.md documents the same table for clerks; keep the two in step.
"""
from dataclasses import dataclass

from api.people.models import PERSON_TAGS


@dataclass(frozen=True)
class Field:
    """One column of the template: `key` is the canonical name, `header` the template's Chinese header."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("hukou_no", "户号", ("户口簿号", "户编号")),
    Field("std_address_code", "标准地址编码", ("地址编码", "标准地址码")),
    Field("address", "地址", ("住址", "房屋地址", "现住址", "居住地址")),
    Field("unit", "单元", ("单元号",)),
    Field("floor", "楼层", ("层",)),
    Field("room", "房号", ("房间号", "室")),
    Field("household_kind", "户类型", ("住户类型", "房屋性质")),
    Field("household_phone", "户联系电话", ("户主电话",)),
    Field("landlord_name", "房东姓名", ("房东", "出租人", "出租人姓名")),
    Field("landlord_id_number", "房东身份证号", ("出租人身份证号", "房东证件号码")),
    Field("landlord_phone", "房东电话", ("出租人电话", "房东联系电话")),
    Field("lease_start", "租期开始", ("租赁开始日期", "起租日期")),
    Field("lease_end", "租期结束", ("租赁结束日期", "租约到期日期")),
    Field("name", "姓名", ("名字",), required=True),
    Field("id_number", "公民身份号码", ("身份证号", "身份证号码", "证件号码", "身份证"), required=True),
    Field("gender", "性别"),
    Field("birth_date", "出生日期", ("出生年月日",)),
    Field("phone", "联系电话", ("手机号", "手机号码", "电话", "本人电话")),
    Field("residency", "人口类型", ("居住类型", "人员类型")),
    Field("relation_to_head", "与户主关系", ("户主关系",)),
    Field("tags", "人员标签", ("标签", "特殊人群")),
    Field("nationality", "国籍"),
    Field("moved_in", "迁入日期", ("入住日期",)),
    Field("moved_out", "迁出日期"),
    Field("registered_address", "户籍地址", ("户籍地", "户籍地详址")),
    Field("permit_no", "居住证号", ("居住证编号", "暂住证号")),
    Field("permit_expires", "居住证有效期至", ("居住证有效期", "暂住证有效期")),
    Field("document_kind", "证件类型", ("证件种类",)),
    Field("document_no", "护照/通行证号", ("护照号", "护照号码", "通行证号")),
    Field("visa_expires", "签证有效期至", ("签证有效期", "停留有效期")),
    Field("plate", "车牌号", ("车牌号码", "号牌号码", "车牌")),
    Field("vehicle_kind", "车辆类型", ("车型",)),
    Field("vehicle_brand", "车辆品牌", ("品牌",)),
    Field("vehicle_color", "车身颜色", ("颜色",)),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

GENDERS = {"男": "M", "男性": "M", "M": "M", "女": "F", "女性": "F", "F": "F"}
RESIDENCY = {
    "常住": "registered", "户籍": "registered", "常住人口": "registered", "registered": "registered",
    "暂住": "temporary", "暂住人口": "temporary", "temporary": "temporary",
    "流动": "floating", "流动人口": "floating", "floating": "floating",
    "境外": "foreign", "境外人员": "foreign", "foreign": "foreign",
}
HOUSEHOLD_KINDS = {
    "自有": "owner", "自住": "owner", "owner": "owner",
    "出租": "rental", "租住": "rental", "rental": "rental",
    "集体": "collective", "集体户": "collective", "collective": "collective",
    "空置": "vacant", "vacant": "vacant",
}
DOCUMENT_KINDS = {
    "居民身份证": "id_card", "身份证": "id_card", "护照": "passport", "外国护照": "passport",
    "港澳居民来往内地通行证": "hk_macau_permit", "港澳通行证": "hk_macau_permit", "港澳居民居住证": "hk_macau_permit",
    "台湾居民来往大陆通行证": "taiwan_permit", "台胞证": "taiwan_permit", "台湾居民居住证": "taiwan_permit",
    "外国人永久居留身份证": "foreign_permanent", "永久居留证": "foreign_permanent",
    "id_card": "id_card", "passport": "passport", "hk_macau_permit": "hk_macau_permit",
    "taiwan_permit": "taiwan_permit", "foreign_permanent": "foreign_permanent",
}
VEHICLE_KINDS = {
    "小型汽车": "car", "汽车": "car", "轿车": "car", "car": "car", "货车": "truck", "truck": "truck",
    "摩托车": "motorcycle", "motorcycle": "motorcycle", "电动车": "e_bike", "电动自行车": "e_bike",
    "e_bike": "e_bike", "三轮车": "tricycle", "tricycle": "tricycle", "拖拉机": "tractor",
    "tractor": "tractor", "其他": "other", "other": "other",
}
TAGS = {
    "独居老人": "elderly_alone", "留守儿童": "left_behind_child", "残疾人": "disabled",
    "重点人员": "key_person", "低保": "low_income", "低保户": "low_income", "退役军人": "veteran",
    "精神障碍": "mental_health", "严重精神障碍患者": "mental_health", "社区矫正": "community_correction",
    "社区矫正对象": "community_correction", "吸毒史": "drug_history", "吸毒人员": "drug_history",
    **{tag: tag for tag in PERSON_TAGS},
}
# separators a clerk uses inside one cell for several tags or plates
LIST_SEPARATORS = "、,，;；/ "


def header_lookup() -> dict[str, str]:
    """Every accepted header text (template header, alias, canonical key) → canonical key."""
    lookup: dict[str, str] = {}
    for f in FIELDS:
        for name in (f.key, f.header, *f.aliases):
            lookup[normalize_header(name)] = f.key
    return lookup


def normalize_header(text: str) -> str:
    """Header text compared without spaces, asterisks (required marks) or full-width brackets' notes."""
    value = "".join(str(text).split()).replace("*", "").replace("＊", "")
    for bracket in ("(", "（"):
        if bracket in value:  # "联系电话（手机）" → "联系电话"
            value = value.split(bracket, 1)[0]
    return value.lower()
