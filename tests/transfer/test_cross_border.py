"""The cross-border listing (常态化开展科技成果跨境推介): results in English, the English listing
and its search, English demand matching, on both stores, with the same scoping as in Chinese."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.transfer.importer import COLUMNS, import_results
from kechuang.transfer.tables import Result
from tests.transfer.test_api_access import API, RESULT, World, world  # noqa: F401

SUMMARY_EN = (
    "A 3D convolutional network finds lung nodules in chest CT and grades them benign or "
    "malignant, so that small nodules are not missed in screening."
)
WELDING = {
    **RESULT,
    "title_zh": "激光-电弧复合焊接熔池气孔抑制方法",
    "title_en": "Porosity suppression in laser-arc hybrid welding",
    "abstract_zh": "调控激光与电弧间距及保护气流场，促进熔池气泡逸出，降低焊缝气孔率。",
    "abstract_en": "",  # no English summary yet: listed with its title only
    "application_number": "ZL202310123456.6",
    "ipc_codes": "B23K 26/348",
    "industry_code": "C3311",
    "keywords": "",
}


def _one_row_csv(tmp_path: Path, **fields: str) -> Path:
    """A results file of one know-how row with the given fields."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(kind="know_how", disclosed_on="2024-01-02", inventors="赵敏:100:main", **fields)
    path = tmp_path / "results.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerow([row[c] for c in COLUMNS])
    return path


def test_english_listing_search_and_demand_matching(world: World) -> None:  # noqa: F811
    call = world.call
    lung = call("tto_fudan", "POST", f"{API}/results", {**RESULT, "abstract_en": SUMMARY_EN})
    assert lung.status_code == 201, lung.text
    assert lung.json()["abstract_en"] == SUMMARY_EN
    assert call("tto_tongji", "POST", f"{API}/results", WELDING).status_code == 201

    english = call("ent_b", "GET", f"{API}/listing/results", lang="en").json()
    assert english["total"] == 2
    by_title = {r["title"]: r for r in english["items"]}
    assert by_title[RESULT["title_en"]]["summary"] == SUMMARY_EN
    assert by_title[WELDING["title_en"]]["summary"] == ""  # unknown stays empty, never invented
    chinese = call("ent_b", "GET", f"{API}/listing/results").json()
    assert {r["title"] for r in chinese["items"]} == {RESULT["title_zh"], WELDING["title_zh"]}
    assert call("ent_b", "GET", f"{API}/listing/results", lang="fr").status_code == 422
    assert call(None, "GET", f"{API}/listing/results", lang="en").status_code == 401

    # An overseas buyer's words: the symptom, not the technique.
    found = call("ent_b", "GET", f"{API}/listing", lang="en",
                 q="Our welds keep showing tiny holes and bubbles on X-ray").json()  # fmt: skip
    assert found[0]["title"] == WELDING["title_en"]
    assert found[0]["needs"][0]["concept"] == "porosity"
    assert "porosity" in found[0]["explanation_en"].lower()
    assert found[0]["explanation_zh"]  # the same match explained for a Chinese reader

    demand = call("ent_a", "POST", f"{API}/demands", {
        "title_zh": "肺部小结节漏诊", "title_en": "Small lung nodules are missed",
        "description_zh": "基层医院拍的CT，小结节经常漏看。",
        "description_en": "Primary hospitals keep missing small lung nodules on CT; we have "
                          "too few radiologists.",
    })  # fmt: skip
    assert demand.status_code == 201, demand.text
    did = demand.json()["id"]
    assert demand.json()["description_en"].startswith("Primary hospitals")
    matches = call("ent_a", "GET", f"{API}/demands/{did}/matches", lang="en").json()
    assert matches[0]["title"] == RESULT["title_en"]
    assert call("ent_b", "GET", f"{API}/demands/{did}/matches", lang="en").status_code == 404
    assert call("ent_a", "GET", f"{API}/demands/{did}/matches", lang="xx").status_code == 422


def test_listing_pages_in_both_languages(world: World) -> None:  # noqa: F811
    call = world.call
    call("tto_fudan", "POST", f"{API}/results", {**RESULT, "abstract_en": SUMMARY_EN})
    call("tto_tongji", "POST", f"{API}/results", WELDING)
    english = call("ent_b", "GET", "/transfer/listing", lang="en")
    assert english.status_code == 200
    assert SUMMARY_EN in english.text and "(no summary yet)" in english.text
    assert "Software and information technology services" in english.text  # a name, not I6513
    asked = call("ent_b", "GET", "/transfer/listing", lang="en", q="welds full of tiny holes")
    assert "this result addresses" in asked.text and WELDING["title_en"] in asked.text
    chinese = call("ent_b", "GET", "/transfer/listing", lang="zh", q="焊缝里老有小孔")
    assert "您提到" in chinese.text and WELDING["title_zh"] in chinese.text
    assert "shared terms" not in chinese.text  # the evidence is in the page's language
    anonymous = call(None, "GET", "/transfer/listing")
    assert anonymous.url.path == "/login" and RESULT["title_zh"] not in anonymous.text


def test_import_keeps_the_english_summary(session: Session, tmp_path: Path) -> None:
    path = _one_row_csv(
        tmp_path, title_zh="作物氮素诊断方法", title_en="Crop nitrogen diagnosis",
        abstract_zh="叶色图像诊断作物氮素",
        abstract_en="Diagnoses crop nitrogen from leaf colour images.",
    )  # fmt: skip
    (rid,) = import_results(session, "fudan", path, "tto-fudan")
    stored = session.scalars(select(Result).where(Result.id == rid)).one()
    assert stored.abstract_en == "Diagnoses crop nitrogen from leaf colour images."


def test_cli_matches_in_english_and_explains(tmp_path: Path, store_env: str) -> None:
    import json

    from typer.testing import CliRunner

    from kechuang.cli import app
    from kechuang.store.migrate import upgrade_url

    upgrade_url(store_env)
    path = _one_row_csv(
        tmp_path, title_zh=WELDING["title_zh"], title_en=WELDING["title_en"],
        abstract_zh=WELDING["abstract_zh"],
        abstract_en="Lets bubbles escape the weld pool and cuts porosity.",
    )  # fmt: skip
    runner = CliRunner()
    done = runner.invoke(app, ["transfer", "import", str(path), "--institution", "sjtu"])
    assert done.exit_code == 0, done.output
    found = runner.invoke(app, ["transfer", "match", "welds full of tiny holes", "--lang", "en"])
    assert found.exit_code == 0 and WELDING["title_en"] in found.output
    assert "You mention" in found.output
    as_json = runner.invoke(app, ["transfer", "match", "焊缝老有小孔眼", "--json"])
    assert json.loads(as_json.output)[0]["needs"][0]["concept"] == "porosity"
    bad = runner.invoke(app, ["transfer", "match", "x", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output
