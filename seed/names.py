"""Vocabulary of the generated district: surnames, given-name characters, place names, codes, brands."""

# Common surnames with rough national frequencies (%), boosted for northern Shandong (邢, 杜, 孙, 于, 商).
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (item[0], float(item[1:]))
    for item in """
    王8.5 李7.2 张7 刘5.6 陈3.5 杨3 赵2.4 黄1.6 周1.8 吴1.5 徐1.7 孙2.3 胡1.2 朱1.2 高1.4 林0.8 何0.8
    郭1.2 马1.2 罗0.6 梁0.8 宋1 郑0.8 谢0.5 韩1 唐0.5 冯0.7 于1.2 董0.8 程0.6 曹0.7 袁0.5 邓0.4 许0.6
    傅0.4 沈0.3 彭0.4 吕0.6 苏0.5 卢0.5 蒋0.4 蔡0.4 贾0.6 丁0.5 魏0.6 薛0.5 叶0.3 阎0.4 潘0.3 杜0.9
    戴0.3 夏0.3 田0.5 任0.5 姜0.6 范0.5 方0.3 石0.4 姚0.3 崔0.5 孟0.5 秦0.3 史0.3 侯0.4 邵0.3 邢1 商0.4
    毕0.3 牛0.3 房0.2 尹0.3 武0.3 常0.3 乔0.2 贺0.2 白0.3 付0.4
""".split()
)

# Given-name characters by gender and birth cohort (before 1965, 1965–1989, from 1990).
GIVEN_CHARS: dict[tuple[str, int], str] = {
    ("M", 0): "建国军明华平福贵德文山忠林树春永长庆海学荣志生宝金兴旺增义洪成立祥胜连玉",
    ("M", 1): "伟强磊军勇杰涛斌超刚辉鹏飞波健亮峰东兵凯鑫龙毅宁涛海新晓光刚振华明",
    ("M", 2): "浩宇轩博睿子豪泽昊然晨阳铭航哲俊逸瑞嘉翔奕锦宸一诺梓涵天佑明",
    ("F", 0): "秀英兰桂芳玉珍凤霞梅花华荣琴云莲芝淑香翠娥素美爱菊",
    ("F", 1): "丽静敏艳娟燕红霞萍婷洁颖慧晶琳雪丹玲莉娜倩蕾春晓",
    ("F", 2): "欣怡雨涵梓诗萱思可佳悦琪婉若晴语嘉彤紫晗瑶妍一诺",
}

# Village names: <prefix><core><suffix>村 (an empty prefix is likelier); communities: <name>社区.
VILLAGE_PREFIXES = ("", "", "", *"前后东西南北大小新中")
VILLAGE_CORES = "邢杜孙于商毕牛房王李张刘赵韩宋魏郭马高田崔孟侯贾吕冯董姜范薛梁石卢"
VILLAGE_SUFFIXES: tuple[str, ...] = tuple(
    """
    家 庄 店 桥 集 楼 屯 营 寨 洼 坊 堡 庙 口 王 李 刘 张 家庄 家洼
""".split()
)
# The first community of each station is named after its town; the demo town is 梁才.
COMMUNITY_NAMES: tuple[str, ...] = tuple(
    """
    梁才 幸福 和平 新华 育才 怡和 惠民 康宁 锦华 文昌 阳光 丽景 学苑 馨园 翠苑 金桥 滨河 渤海 黄河 凤凰
    富源 东城 西城 南苑
""".split()
)

# Towns of the district, the demo station's first: name / 街道, 镇 or 乡 / pinyin initials (beat codes).
TOWNS: tuple[tuple[str, str, str], ...] = tuple(
    tuple(item.split("/"))
    for item in """
    梁才/街道/LC 市中/街道/SZ 市西/街道/SX 市东/街道/SD 彭李/街道/PL 北镇/街道/BZ 沙河/街道/SH
    杜店/街道/DD 滨北/街道/BB 里则/街道/LZ 杨柳雪/镇/YLX 三河湖/镇/SHH 秦皇台/乡/QHT 小营/街道/XY
    何坊/街道/HF 孙武/街道/SW 石庙/镇/SM 桑落墅/镇/SLS 淄角/镇/ZJ 胡集/镇/HJ 李庄/镇/LZH 麻店/镇/MD
    魏集/镇/WJ 清河/镇/QH 姜楼/镇/JL 辛店/镇/XD 皂户李/镇/ZHL 商店/镇/SDZ 温店/镇/WD 河流/镇/HL
    翟王/镇/ZW 流坡坞/镇/LPW 水落坡/镇/SLP 劳店/镇/LD 洋湖/乡/YH 水湾/镇/SWZ 碣石山/镇/JSS
    小泊头/镇/XBT 埕口/镇/CK 马山子/镇/MSZ 车王/镇/CW 柳堡/镇/LB 佘家/镇/SJ 信阳/镇/XYZ 富国/街道/FG
""".split()
)
COUNTY = "滨城区"
STREET_NAMES: tuple[str, ...] = tuple(
    """
    黄河五路 渤海七路 梁才大街 新立河路 长江二路 滨北大街 永莘路
""".split()
)

# Region codes (GB/T 2260) for identity numbers, with weights: registered residents (Binzhou)…
BINZHOU_REGIONS: tuple[tuple[str, float], ...] = tuple(
    (item.split("/")[0], float(item.split("/")[1]))
    for item in """
    371602/82 371603/3 371621/5 371622/3 371623/2 371625/2 371681/2 370502/1
""".split()
)
# … and floating residents (other provinces, a few other Shandong cities).
OTHER_PROVINCE_REGIONS: tuple[tuple[str, float], ...] = tuple(
    (item.split("/")[0], float(item.split("/")[1]))
    for item in """
    410526/6 411522/4 412722/4 410102/2 130921/5 130926/3 130102/2 341221/4 341226/3 320721/2 230102/2
    220102/1 510722/2 140105/1 150102/1 621121/1 420111/1 360121/1 430124/1 370102/3 370782/3 371302/3
""".split()
)
# Foreign residents: ISO 3166 alpha-3 and numeric codes; names as registered in Chinese.
NATIONALITIES: tuple[tuple[str, str, float], ...] = (
    ("KOR", "410", 5.0),
    ("RUS", "643", 4.0),
    ("PAK", "586", 4.0),
    ("VNM", "704", 3.0),
    ("JPN", "392", 2.0),
    ("USA", "840", 1.0),
)
FOREIGN_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "KOR": (
        ("金敏俊", "M"),
        ("朴智勋", "M"),
        ("崔贤宇", "M"),
        ("李秀妍", "F"),
        ("郑恩惠", "F"),
        ("姜智媛", "F"),
    ),
    "RUS": (
        ("伊万诺夫·谢尔盖", "M"),
        ("斯米尔诺夫·德米特里", "M"),
        ("彼得罗娃·安娜", "F"),
        ("库兹涅佐娃·奥尔加", "F"),
    ),
    "PAK": (("阿里·汗", "M"), ("穆罕默德·阿斯拉姆", "M"), ("乌斯曼·艾哈迈德", "M"), ("法蒂玛·努尔", "F")),
    "VNM": (("阮文雄", "M"), ("黎文明", "M"), ("陈氏兰", "F"), ("阮氏梅", "F")),
    "JPN": (("佐藤健", "M"), ("田中浩二", "M"), ("铃木美穗", "F")),
    "USA": (("约翰·史密斯", "M"), ("艾米丽·约翰逊", "F")),
}

# Mobile number prefixes 13x–19x (China Mobile, Unicom, Telecom).
PHONE_PREFIXES = tuple(
    """
    130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 178
    180 181 182 183 185 186 187 188 189 191 198 199
""".split()
)
PLATE_PREFIX = "鲁M"  # 滨州
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O

# Vehicle kinds with weights (rural, urban) and brands.
VEHICLE_KINDS: tuple[tuple[str, float, float], ...] = (
    ("car", 26.0, 58.0),
    ("e_bike", 34.0, 32.0),
    ("tricycle", 24.0, 3.0),
    ("motorcycle", 8.0, 4.0),
    ("truck", 5.0, 3.0),
    ("tractor", 3.0, 0.0),
)
VEHICLE_BRANDS: dict[str, tuple[str, ...]] = {
    "car": ("大众", "丰田", "本田", "比亚迪", "吉利", "长安", "哈弗", "五菱", "别克", "日产"),
    "e_bike": ("雅迪", "爱玛", "台铃", "新日", "绿源"),
    "tricycle": ("金彭", "宗申", "淮海", "五星"),
    "motorcycle": ("豪爵", "五羊-本田", "嘉陵", "钱江"),
    "truck": ("解放", "东风", "重汽", "福田"),
    "tractor": ("东方红", "雷沃", "常发"),
}
VEHICLE_COLORS = ("白", "黑", "银", "红", "蓝", "灰", "绿")
