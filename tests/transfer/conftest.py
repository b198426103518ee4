"""Transfer fixtures: a migrated store on SQLite and PostgreSQL, actors and a registered result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.domain.uscc import check_digit
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.transfer import register
from kechuang.transfer.access import Actor
from kechuang.transfer.drafts import check_result
from kechuang.transfer.tables import Result

FUDAN = Actor("tto-fudan", "tech_transfer", org="fudan")
TONGJI = Actor("tto-tongji", "tech_transfer", org="tongji")
OFFICER = Actor("officer-li", "officer")


def make_uscc(serial: int) -> str:
    first_17 = f"91310115MA1{serial:06d}"
    return first_17 + check_digit(first_17)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


def add_patent(
    session: Session,
    institution: str = "fudan",
    number: str = "201710601862.3",
    inventors: str = "张伟:50:main;王芳:30:main;李强:20",
    title: str = "一种用于肺结节CT影像的深度学习辅助诊断方法",
) -> Result:
    draft, problems = check_result(
        kind="patent", title_zh=title, title_en="Deep-learning aided diagnosis of lung nodules",
        abstract_zh="基于卷积神经网络对胸部CT影像中的肺结节进行检测与良恶性分类。",
        keywords="肺结节;CT;深度学习", application_number=number, ipc_codes="G06T 7/00; A61B 6/03",
        industry_code="I6520", disclosed_on=dt.date(2024, 3, 1), inventors=inventors,
    )  # fmt: skip
    assert draft is not None, problems
    return register.add_result(session, institution, draft, "tto-" + institution)
