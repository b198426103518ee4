"""Shanghai's 16 districts (区) by GB/T 2260 code, with zh/en names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str


SHANGHAI: dict[str, District] = {
    d.code: d
    for d in (
        District("310101", "黄浦区", "Huangpu"),
        District("310104", "徐汇区", "Xuhui"),
        District("310105", "长宁区", "Changning"),
        District("310106", "静安区", "Jing'an"),
        District("310107", "普陀区", "Putuo"),
        District("310109", "虹口区", "Hongkou"),
        District("310110", "杨浦区", "Yangpu"),
        District("310112", "闵行区", "Minhang"),
        District("310113", "宝山区", "Baoshan"),
        District("310114", "嘉定区", "Jiading"),
        District("310115", "浦东新区", "Pudong New Area"),
        District("310116", "金山区", "Jinshan"),
        District("310117", "松江区", "Songjiang"),
        District("310118", "青浦区", "Qingpu"),
        District("310120", "奉贤区", "Fengxian"),
        District("310151", "崇明区", "Chongming"),
    )
}


class UnknownDistrict(ValueError):
    """Not one of Shanghai's district codes."""


def validate(code: str) -> str:
    cleaned = code.strip()
    if cleaned not in SHANGHAI:
        raise UnknownDistrict(f"{code!r} is not a Shanghai district code (GB/T 2260, e.g. 310115)")
    return cleaned


def name(code: str, lang: str = "zh") -> str:
    district = SHANGHAI[code]
    return district.name_zh if lang == "zh" else district.name_en
