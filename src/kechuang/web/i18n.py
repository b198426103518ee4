"""Interface strings in Simplified Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable

LANG_COOKIE = "kc_lang"
LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"zh": "科创 · 科技创新服务平台", "en": "Kechuang · Innovation services platform"},
    "loaded": {"zh": "已载入的数据", "en": "Data loaded"},
    "enterprises": {"zh": "企业", "en": "Enterprises"},
    "annual_facts": {"zh": "企业年度数据", "en": "Enterprise-years"},
    "import_batches": {"zh": "导入批次", "en": "Import batches"},
    "by_year": {"zh": "按年度", "en": "By year"},
    "by_district": {"zh": "按区", "en": "By district"},
    "year": {"zh": "年度", "en": "Year"},
    "rows": {"zh": "行数", "en": "Rows"},
    "district": {"zh": "区", "en": "District"},
    "none_yet": {
        "zh": "尚无数据。运行 kechuang import 文件 导入企业数据。",
        "en": "Nothing loaded yet. Run kechuang import FILE to load enterprise data.",
    },
    "switch": {"zh": "English", "en": "中文"},
    "api": {"zh": "接口文档", "en": "API documentation"},
}


def pick_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return "zh"


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        return MESSAGES[key][lang]

    return t
