"""Static tables of the synthetic Shanghai population: districts and parks, industries, name pools.

Kept apart from the generator's arithmetic so that the proportions can be read (and argued
with) in one place. Weights are relative; the generator normalises them. Proportions are
illustrative of Shanghai's science-and-technology enterprise base (浦东 the largest, then the
big suburban manufacturing districts), not official statistics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictShare:
    """A district's share of enterprises and its parks with the share of its firms in each."""

    code: str
    weight: float
    parks: tuple[tuple[str, float], ...] = ()


DISTRICTS: tuple[DistrictShare, ...] = (
    DistrictShare(
        "310115", 24.0, (("张江", 0.30), ("临港", 0.12), ("金桥", 0.06), ("外高桥", 0.04))
    ),
    DistrictShare("310112", 10.0, (("大零号湾", 0.22), ("紫竹", 0.10), ("莘庄工业区", 0.08))),
    DistrictShare("310114", 8.0, (("嘉定工业区", 0.30), ("嘉定新城", 0.08))),
    DistrictShare("310117", 8.0, (("G60科创走廊", 0.40),)),
    DistrictShare("310104", 6.0, (("漕河泾", 0.35), ("徐汇滨江", 0.10))),
    DistrictShare("310110", 6.0, (("环同济", 0.20), ("五角场", 0.20))),
    DistrictShare("310113", 6.0, (("宝山城市工业园区", 0.15), ("南大智慧城", 0.08))),
    DistrictShare("310118", 5.0, (("市西软件信息园", 0.20), ("青浦工业园区", 0.15))),
    DistrictShare("310120", 5.0, (("东方美谷", 0.20),)),
    DistrictShare("310106", 4.5, (("市北高新", 0.30),)),
    DistrictShare("310107", 3.5, (("桃浦智创城", 0.15),)),
    DistrictShare("310105", 3.5, (("虹桥临空经济园区", 0.25),)),
    DistrictShare("310116", 3.0, (("碳谷绿湾", 0.15),)),
    DistrictShare("310101", 3.0),
    DistrictShare("310109", 2.5, (("北外滩", 0.10),)),
    DistrictShare("310151", 1.5),
)


@dataclass(frozen=True)
class IndustryShare:
    """A GB/T 4754-2017 class, its weight, the word its firms put in their names, its group.

    The group selects the size, R&D and technology profile (see generator.GROUPS).
    """

    code: str
    weight: float
    word: str
    group: str


INDUSTRIES: tuple[IndustryShare, ...] = (
    # M 科学研究和技术服务业: the largest block of a science-and-technology population.
    IndustryShare("M7310", 3.0, "科技", "M"),
    IndustryShare("M7320", 5.0, "工程技术", "M"),
    IndustryShare("M7340", 3.0, "医药科技", "M"),
    IndustryShare("M7452", 2.0, "检测技术", "M"),
    IndustryShare("M7491", 1.0, "工业设计", "M"),
    IndustryShare("M7512", 4.0, "生物科技", "M"),
    IndustryShare("M7513", 3.0, "新材料科技", "M"),
    IndustryShare("M7514", 1.5, "节能科技", "M"),
    IndustryShare("M7515", 2.0, "新能源科技", "M"),
    IndustryShare("M7516", 1.5, "环保科技", "M"),
    IndustryShare("M7519", 6.0, "科技", "M"),
    IndustryShare("M7520", 1.0, "知识产权代理", "M"),
    IndustryShare("M7530", 2.0, "科技咨询", "M"),
    IndustryShare("M7540", 1.0, "创业孵化器管理", "M"),
    IndustryShare("M7590", 2.0, "科技发展", "M"),
    # I 信息传输、软件和信息技术服务业.
    IndustryShare("I6511", 2.0, "软件", "I"),
    IndustryShare("I6513", 9.0, "信息技术", "I"),
    IndustryShare("I6519", 2.0, "软件科技", "I"),
    IndustryShare("I6520", 3.0, "微电子", "I"),
    IndustryShare("I6531", 3.0, "信息系统", "I"),
    IndustryShare("I6532", 2.0, "物联网科技", "I"),
    IndustryShare("I6440", 1.0, "网络安全技术", "I"),
    IndustryShare("I6450", 2.0, "数据科技", "I"),
    IndustryShare("I6550", 1.5, "数据服务", "I"),
    IndustryShare("I6560", 3.0, "信息科技", "I"),
    IndustryShare("I6432", 1.5, "网络科技", "I"),
    # C27 医药制造业 (biomedicine).
    IndustryShare("C2710", 1.0, "制药", "C27"),
    IndustryShare("C2720", 1.5, "医药", "C27"),
    IndustryShare("C2740", 0.5, "中药", "C27"),
    IndustryShare("C2761", 2.0, "生物医药", "C27"),
    IndustryShare("C2762", 1.0, "生物制药", "C27"),
    IndustryShare("C2770", 0.8, "医用材料", "C27"),
    # C35 专用设备 incl. medical devices (C358x); C34/C39/C40 advanced manufacturing.
    IndustryShare("C3581", 2.0, "医疗器械", "CT"),
    IndustryShare("C3584", 1.5, "医疗器械", "CT"),
    IndustryShare("C3589", 1.0, "医疗科技", "CT"),
    IndustryShare("C3562", 1.0, "半导体设备", "CT"),
    IndustryShare("C3491", 1.5, "机器人科技", "CT"),
    IndustryShare("C3973", 1.5, "集成电路", "CT"),
    IndustryShare("C3976", 1.0, "光电科技", "CT"),
    IndustryShare("C3921", 1.0, "通信设备", "CT"),
    IndustryShare("C3961", 0.5, "智能科技", "CT"),
    IndustryShare("C4011", 1.5, "自动化科技", "CT"),
    IndustryShare("C4014", 1.0, "仪器", "CT"),
    IndustryShare("C4028", 0.8, "电子仪器", "CT"),
    # Other manufacturing and utilities.
    IndustryShare("C3841", 1.0, "锂电科技", "C"),
    IndustryShare("C3670", 1.0, "汽车零部件", "C"),
    IndustryShare("C2929", 0.5, "塑胶制品", "C"),
    IndustryShare("D4416", 0.3, "光伏电力", "C"),
    # F 批发和零售业.
    IndustryShare("F5154", 1.5, "医疗器械贸易", "F51"),
    IndustryShare("F5176", 2.0, "电子贸易", "F51"),
    IndustryShare("F5179", 1.0, "机电设备", "F51"),
    IndustryShare("F5251", 0.8, "大药房", "F52"),
    # L 租赁和商务服务业, K 房地产业, J 金融业.
    IndustryShare("L7212", 1.5, "投资管理", "L"),
    IndustryShare("L7221", 0.8, "园区管理", "L"),
    IndustryShare("L7243", 1.0, "企业管理咨询", "L"),
    IndustryShare("K7020", 0.5, "物业管理", "S5"),
    IndustryShare("J6940", 0.7, "金融信息服务", "J"),
    IndustryShare("J6760", 0.5, "创业投资", "J"),
    # G 交通运输、仓储和邮政业; H 住宿和餐饮业; N, P, R.
    IndustryShare("G5821", 0.7, "国际物流", "G"),
    IndustryShare("G6020", 0.3, "快递", "G"),
    IndustryShare("H6210", 0.5, "餐饮管理", "H"),
    IndustryShare("H6110", 0.2, "酒店管理", "H"),
    IndustryShare("N7723", 0.4, "环境工程", "S5"),
    IndustryShare("P8394", 0.4, "教育科技", "P"),
    IndustryShare("R8626", 0.3, "文化传播", "S5"),
)

# Characters of trade names (字号). Those that begin an industry word are dropped by
# trade_pool() so that a 2-character and a 3-character trade name can never spell the same
# full name (e.g. "AB" + "生物科技" against "AB生" + "物科技").
_TRADE_CHARACTERS = (
    "瀚宇鑫泰华瑞德达恒丰盛嘉欣博源锐晟昊睿航凯铭轩远景宏昌隆兴旺富鼎誉诚优卓越凌云翔腾"
    "飞龙凤麒麟星辰晨曦耀明亮朗峰岳川海湾澜汇聚众谐康宁乐福禄寿吉祥顺蓝碧绿青松柏桦杉枫"
    "樱桃李梅兰竹菊莲荷芷若蕙芸茂森林禾谷粟稔坤乾元亨贞正方圆君仁义礼勤俭朴素雅致精韵律"
    "帆舟策略迈驰骏逸韬略奥拓展启璞琢磨砺锦绣华彩辉煌灿烂弘毅坚韧笃行致远登高望舒朗月"
    "清风泉溪浦江申沪淞虹桥沐霖霄昱曜珩瑾瑜琪璐琳瑶珂玮炜焱燊煜骐骥鹏鸿鹤鸥雁莺"
)


def trade_pool() -> tuple[str, ...]:
    """Distinct trade-name characters that start no industry word, in a fixed order."""
    starts = {share.word[0] for share in INDUSTRIES}
    seen: dict[str, None] = {}
    for char in _TRADE_CHARACTERS:
        if char not in starts:
            seen.setdefault(char, None)
    return tuple(seen)
