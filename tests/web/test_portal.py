"""The public portal without login: the policy library and the self-check (政策计算器), whose
figures give, for every policy in force, the outcome, the reasons and the gap; bad input gets
a message naming the field in the page's language; it is rate-limited and stores nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kechuang.accounts.tables import AuditEntry
from kechuang.domain.panel import FIELDS
from kechuang.enterprises.tables import annual_facts, enterprises
from kechuang.portal import router as portal
from kechuang.portal.limiter import RateLimit

FIRST_ABOVE_SCALE = {
    "year": "2024",
    "industry_code": "M7320",
    "district": "310115",
    "employees": "30",
    "revenue": "12,000,000",
    "revenue_prev": "5000000",
}


@pytest.fixture(autouse=True)
def fresh_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal, "limit", RateLimit(portal.CHECKS_PER_MINUTE, 60.0))


def test_library_lists_the_policies_in_force(world_app: Any) -> None:
    page = TestClient(world_app).get("/?lang=zh").text
    assert 'id="policy-first-above-scale-reward"' in page
    assert (
        "科技服务业企业首次升规奖励" in page and "奖励标准（示意）" not in page.split("政策库")[0]
    )
    assert "高新技术企业认定" in page and "国科发火〔2016〕32号" in page


def test_self_check_gives_outcome_reasons_and_gap(world_app: Any) -> None:
    client = TestClient(world_app)
    before = _stored(world_app)
    page = client.get("/self-check", params={**FIRST_ABOVE_SCALE, "lang": "zh"})
    assert page.status_code == 200, page.text
    result = _section(page.text, "result-first-above-scale-reward")
    assert "符合" in result and "¥200,000.00" in result
    hnte = _section(page.text, "result-hnte-2016")
    assert "缺数据" in hnte  # figures not given are unknown, never zero
    # Revenue below the threshold: not yet, with the gap in yuan.
    short = client.get("/self-check", params={**FIRST_ABOVE_SCALE, "revenue": "8000000"})
    result = _section(short.text, "result-first-above-scale-reward")
    assert "暂不符合" in result and "¥2,000,000" in result
    assert _stored(world_app) == before  # nothing is stored


def test_bad_input_names_the_field_in_the_page_language(world_app: Any) -> None:
    client = TestClient(world_app)
    bad = {**FIRST_ABOVE_SCALE, "revenue": "十二万", "district": "999999", "lang": "zh"}
    page = client.get("/self-check", params=bad)
    assert page.status_code == 422
    error = _section(page.text, "selfcheck-error")
    assert "营业收入（元）：“十二万”不是金额" in error
    assert "所在区（代码，如 310115）：“999999”不是上海市的区代码" in error
    assert 'id="selfcheck-results"' not in page.text
    english = client.get("/self-check", params={**bad, "lang": "en"})
    assert "Revenue (yuan): &#39;十二万&#39; is not an amount" in english.text
    empty = client.get("/self-check", params={"year": "2024", "lang": "zh"})
    assert empty.status_code == 422 and "请至少填写一项数据" in empty.text


def test_self_check_is_rate_limited(world_app: Any) -> None:
    client = TestClient(world_app)
    for _ in range(portal.CHECKS_PER_MINUTE):
        assert client.get("/self-check", params=FIRST_ABOVE_SCALE).status_code == 200
    refused = client.get("/self-check", params={**FIRST_ABOVE_SCALE, "lang": "zh"})
    assert refused.status_code == 429 and "查询过于频繁" in refused.text


def test_rate_limit_window_slides() -> None:
    now = [0.0]
    limit = RateLimit(2, 60.0, clock=lambda: now[0])
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")
    now[0] = 60.0
    assert limit.allow("a")


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = "</div>" if element_id == "selfcheck-error" else "</li>"
    return html[start : start + 6000].split(end)[0]


def _stored(app: Any) -> tuple[int, int, int]:
    with app.state.engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(enterprises)) or 0,
            conn.scalar(select(func.count()).select_from(annual_facts)) or 0,
            conn.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_self_check_without_parameters_shows_the_form(world_app: Any) -> None:
    page = TestClient(world_app).get("/self-check?lang=zh")
    assert page.status_code == 200
    assert 'id="selfcheck-form"' in page.text and 'id="selfcheck-upload"' in page.text
    assert 'id="selfcheck-error"' not in page.text and 'id="selfcheck-results"' not in page.text


def _sheet(rows: list[dict[str, object]], formula: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    header = ["uscc", "name", "year", "district", "industry_code", "employees", "revenue"]
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    if formula is not None:
        sheet["G2"] = formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _wide_sheet() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["year", *(f"c{n}" for n in range(2000))])
    book.active.append([2024])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SHEET_ROWS: list[dict[str, object]] = [
    {"year": 2023, "district": "310115", "industry_code": "M7320", "revenue": 5_000_000},
    {"year": 2024, "district": "310115", "industry_code": "M7320", "employees": 30,
     "revenue": 8_000_000},
]  # fmt: skip


def _upload(client: TestClient, content: bytes, **form: str) -> Any:
    files = {"file": ("mine.xlsx", content, XLSX)}
    return client.post("/self-check/file", files=files, data=form)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_uploaded_sheet_gives_outcome_reasons_and_gap(world_app: Any) -> None:
    client = TestClient(world_app)
    before = _stored(world_app)
    page = _upload(client, _sheet(SHEET_ROWS), lang="zh")
    assert page.status_code == 200, page.text
    result = _section(page.text, "result-first-above-scale-reward")
    assert "暂不符合" in result and "¥2,000,000" in result  # the gap, from the file's figures
    assert "缺数据" in _section(page.text, "result-hnte-2016")  # absent columns are unknown
    grown = [SHEET_ROWS[0], {**SHEET_ROWS[1], "revenue": 12_000_000}]
    eligible = _upload(client, _sheet(grown), year="2024")
    assert "¥200,000.00" in _section(eligible.text, "result-first-above-scale-reward")
    assert _stored(world_app) == before  # nothing is stored


def test_bad_sheet_names_the_row_and_column_in_the_page_language(world_app: Any) -> None:
    client = TestClient(world_app)
    bad = [SHEET_ROWS[0], {**SHEET_ROWS[1], "revenue": "十二万", "district": "999999"}]
    page = client.post("/self-check/file?lang=zh", files={"file": ("mine.xlsx", _sheet(bad), XLSX)})
    assert page.status_code == 422
    error = _section(page.text, "selfcheck-error")
    assert "第3行“营业收入”列（revenue）：不是金额（元，最多两位小数）" in error
    assert "第3行“所在区”列（district）" in error
    english = client.post(
        "/self-check/file?lang=en", files={"file": ("mine.xlsx", _sheet(bad), XLSX)}
    )
    assert "row 3, column revenue (Revenue)" in english.text
    assert 'id="selfcheck-results"' not in english.text


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (b"not a zip at all", "mine.xlsx", "文件无法读取"),
        (b"a,b\n1,2\n", "mine.csv", "请上传 .xlsx 文件"),
        (_sheet(SHEET_ROWS, formula="=1+1"), "mine.xlsx", "formula"),
        (_sheet([{**SHEET_ROWS[0], "year": 2000 + n} for n in range(16)]), "mine.xlsx", "最多15行"),
        (_sheet([SHEET_ROWS[1], SHEET_ROWS[1]]), "mine.xlsx", "年度重复"),
        (b"PK" + b"\0" * 300_000, "mine.xlsx", "文件超过 256 KB"),
        (_sheet([SHEET_ROWS[1]] + [{}] * 250 + [SHEET_ROWS[0]]), "mine.xlsx", "文件超过200行"),
        (_wide_sheet(), "mine.xlsx", "文件无法读取"),
    ],
    ids=[
        "not-xlsx",
        "csv",
        "formula",
        "too-many-rows",
        "repeated-year",
        "too-big",
        "long",
        "wide",
    ],
)
def test_hostile_or_wrong_files_are_refused_with_a_message(
    world_app: Any, content: bytes, name: str, said: str
) -> None:
    page = TestClient(world_app).post(
        "/self-check/file?lang=zh", files={"file": (name, content, XLSX)}
    )
    assert page.status_code == 422
    assert said in _section(page.text, "selfcheck-error")


def test_zip_bomb_is_refused_before_it_is_expanded(world_app: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "A" * 40_000_000 + "</sst>")
    assert len(buffer.getvalue()) < 256 * 1024
    page = TestClient(world_app).post(
        "/self-check/file?lang=en", files={"file": ("bomb.xlsx", buffer.getvalue(), XLSX)}
    )
    assert page.status_code == 422 and "the file cannot be read" in page.text


def test_template_holds_the_data_contract_columns(world_app: Any) -> None:
    from openpyxl import load_workbook

    answer = TestClient(world_app).get("/self-check/template.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    header = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert list(header) == [f.name for f in FIELDS]
    # The template, filled in, is read back by the upload.
    from openpyxl import load_workbook as load_again

    filled = load_again(io.BytesIO(answer.content))
    filled.worksheets[0].append([{"year": 2024, "revenue": 1}.get(f.name) for f in FIELDS])
    out = io.BytesIO()
    filled.save(out)
    page = _upload(TestClient(world_app), out.getvalue())
    assert page.status_code == 200 and 'id="selfcheck-results"' in page.text


def test_upload_is_rate_limited_with_the_form(world_app: Any) -> None:
    client = TestClient(world_app)
    for _ in range(portal.CHECKS_PER_MINUTE):
        assert client.get("/self-check", params=FIRST_ABOVE_SCALE).status_code == 200
    assert _upload(client, _sheet(SHEET_ROWS)).status_code == 429
