"""store.config.libpq_uri: a PostgreSQL URL as SQLAlchemy spells it becomes the libpq URI that
connects where SQLAlchemy's engine would (the same user, password, host, port, database and
options), so the command line connects with psycopg alone; other databases give None."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from kechuang.store.config import libpq_uri

URLS = [
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql://kc:p%40ss%2Fw%3Ard@db.example:6543/kechuang",
    "postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Dkc_x",
    "postgresql+psycopg2://u:secret@localhost/db?sslmode=require&application_name=kc",
]


@pytest.mark.parametrize("url", URLS)
def test_a_postgres_url_connects_where_sqlalchemy_would(url: str) -> None:
    uri = libpq_uri(url)
    assert uri is not None
    parsed = make_url(url)
    expected = {
        "user": parsed.username,
        "password": parsed.password,
        "host": parsed.host,
        "port": None if parsed.port is None else str(parsed.port),
        "dbname": parsed.database,
        **{key: str(value) for key, value in parsed.query.items()},
    }
    assert conninfo_to_dict(uri) == {k: v for k, v in expected.items() if v is not None}


@pytest.mark.parametrize(
    "url", ["sqlite:///var/kechuang.db", "mysql://u@h/db", "postgres://u@h/db", "var/kechuang.db"]
)
def test_other_databases_have_none(url: str) -> None:
    assert libpq_uri(url) is None
