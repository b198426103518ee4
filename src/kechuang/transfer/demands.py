"""Technology demands (出题) posted by enterprises, and matching them against the register.

An enterprise posts and sees only its own demands; matching searches the public listing of
results (listed, not withdrawn) of every institution and shows each match with the needs it
answers and its evidence. The listing is indexed in Chinese and, for the cross-border listing
(常态化开展科技成果跨境推介), in English from the results' English titles and summaries; a demand
with an English description is matched in English. Each index is rebuilt only when the listing
changes (keyed by its size and newest row).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain import industry
from kechuang.transfer import ipc
from kechuang.transfer.access import Actor
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.matching import Document, Index, Match
from kechuang.transfer.register import get_result
from kechuang.transfer.tables import Demand, Result
from kechuang.transfer.thesaurus import LANGUAGES

TITLE_MAX = 200
TEXT_MAX = 5_000


@dataclass(frozen=True)
class DemandDraft:
    title_zh: str
    title_en: str
    description_zh: str
    ipc_codes: str = ""
    industry_code: str | None = None
    budget_fen: int | None = None
    description_en: str = ""


def post(session: Session, who: Actor, draft: DemandDraft) -> Demand:
    if not who.is_enterprise:
        raise TransferError(
            "a demand is posted by an enterprise account", zh="需求须由企业账户发布"
        )
    problems = []
    for name, limit in (("title_zh", TITLE_MAX), ("title_en", TITLE_MAX),
                        ("description_zh", TEXT_MAX)):  # fmt: skip
        value = getattr(draft, name)
        if not value.strip() or len(value) > limit:
            problems.append(f"{name}: 1 to {limit} characters")
    codes: list[str] = []
    try:
        codes = [str(c) for c in ipc.parse_list(draft.ipc_codes)]
    except ipc.InvalidIpc as exc:
        problems.append(f"ipc_codes: {exc}")
    code = None
    if draft.industry_code:
        try:
            code = industry.validate(draft.industry_code)
        except industry.InvalidIndustryCode as exc:
            problems.append(f"industry_code: {exc}")
    budget = draft.budget_fen
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget < 0
    ):
        problems.append("budget_fen: whole fen, not negative")
    if len(draft.description_en) > TEXT_MAX:
        problems.append(f"description_en: at most {TEXT_MAX} characters")
    if problems:
        raise TransferError("demand refused: " + "; ".join(problems))
    demand = Demand(
        uscc=who.uscc, title_zh=draft.title_zh.strip(), title_en=draft.title_en.strip(),
        description_zh=draft.description_zh.strip(),
        description_en=draft.description_en.strip(), ipc_codes=";".join(codes),
        industry_code=code, budget_fen=budget, status="open", posted_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(demand)
    session.flush()
    return demand


def get(session: Session, who: Actor, demand_id: int) -> Demand:
    demand = session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(f"no demand {demand_id} here", zh=f"没有需求 {demand_id}")
    if not who.is_office:  # offices see open demands: that is what they are posted for
        who.see_enterprise(demand.uscc, f"demand {demand_id}")
    elif demand.status != "open":
        raise NotFound(f"no demand {demand_id} here", zh=f"没有需求 {demand_id}")
    return demand


def list_demands(
    session: Session, who: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[Demand]]:
    where = Demand.status == "open" if who.is_office else who.enterprise_filter(Demand.uscc)
    total = session.scalar(select(func.count()).select_from(Demand).where(where)) or 0
    rows = session.scalars(
        select(Demand).where(where).order_by(Demand.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def close(session: Session, who: Actor, demand_id: int) -> Demand:
    demand = get(session, who, demand_id)
    who.act_for_enterprise(demand.uscc, f"demand {demand_id}")
    demand.status = "closed"
    return demand


_LISTED = (Result.listed.is_(True), Result.status != "withdrawn")
_cache: dict[object, tuple[tuple[int, int], Index]] = {}
_lock = threading.Lock()


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise TransferError(f"lang: one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def result_document(row: Result, lang: str = "zh") -> Document:
    """A result as the matcher reads it: Chinese fields, or the English title and summary."""
    codes = tuple(c for c in row.ipc_codes.split(";") if c)
    if lang == "en":
        return Document(row.id, row.title_en, row.abstract_en, codes, row.industry_code)
    text = f"{row.abstract_zh} {row.keywords.replace(';', ' ')}"
    return Document(row.id, row.title_zh, text, codes, row.industry_code)


def listing_index(session: Session, lang: str = "zh") -> Index:
    """The index of the public listing in a language, rebuilt when rows were added or withdrawn."""
    check_language(lang)
    key = session.execute(
        select(func.count(Result.id), func.coalesce(func.max(Result.id), 0)).where(*_LISTED)
    ).one()
    stamp = (int(key[0]), int(key[1]))
    bind = session.get_bind()
    cache_key = (str(bind.url) if hasattr(bind, "url") else id(bind), lang)
    with _lock:
        cached = _cache.get(cache_key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    rows = session.scalars(select(Result).where(*_LISTED).order_by(Result.id))
    index = Index([result_document(r, lang) for r in rows], lang=lang)
    with _lock:
        _cache[cache_key] = (stamp, index)
    return index


def listing(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[int, list[Result]]:
    """The public listing (listed, not withdrawn) of every institution, newest first."""
    total = session.scalar(select(func.count()).select_from(Result).where(*_LISTED)) or 0
    rows = session.scalars(
        select(Result).where(*_LISTED).order_by(Result.id.desc()).limit(limit).offset(offset)
    )
    return total, list(rows)


def listed_view(row: Result, lang: str) -> dict[str, object]:
    """A listed result in one language: its title and summary (empty where none was given)."""
    english = check_language(lang) == "en"
    return {
        "id": row.id, "institution": row.institution, "kind": row.kind,
        "title": row.title_en if english else row.title_zh,
        "summary": row.abstract_en if english else row.abstract_zh,
        "ipc_codes": row.ipc_codes, "industry_code": row.industry_code,
    }  # fmt: skip


def demand_text(demand: Demand, lang: str) -> str:
    """What is matched of a demand: its title and description in the language asked for."""
    if lang == "en":
        return f"{demand.title_en} {demand.description_en}"
    return f"{demand.title_zh} {demand.description_zh}"


def match(
    session: Session, who: Actor, demand_id: int, k: int = 10, lang: str = "zh"
) -> list[Match]:
    """The listed results that best answer a demand, with the needs each answers and why."""
    demand = get(session, who, demand_id)
    index = listing_index(session, check_language(lang))
    return index.search(
        demand_text(demand, lang),
        ipc_codes=[c for c in demand.ipc_codes.split(";") if c],
        industry_code=demand.industry_code, k=k,
    )  # fmt: skip


def demands_for_result(session: Session, who: Actor, result_id: int, k: int = 10) -> list[Match]:
    """The open demands a result could answer (for the owning office), with reasons."""
    result = get_result(session, who, result_id)
    rows = session.scalars(select(Demand).where(Demand.status == "open").order_by(Demand.id))
    index = Index(
        [
            Document(d.id, d.title_zh, d.description_zh,
                     tuple(c for c in d.ipc_codes.split(";") if c), d.industry_code)
            for d in rows
        ]
    )  # fmt: skip
    document = result_document(result)
    return index.search(
        f"{document.title} {document.text}", ipc_codes=document.ipc_codes,
        industry_code=document.industry_code, k=k,
    )  # fmt: skip
