"""The cultivation API under concurrent requests (a served app, real threads).

The watch list and the incubators read Parquet files with DuckDB in the server's thread pool;
twenty requests at once must all be answered, with the same rows as one request alone.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from kechuang.accounts.service import create_account
from kechuang.store.engine import session_scope
from kechuang.web.app import create_app
from tests.stats.world import World
from tests.web.conftest import PASSWORD, serving

PATHS = ("/api/v1/cultivation/watch", "/api/v1/cultivation/incubators")


def _token(base: str, world: World) -> str:
    with session_scope(world.engine) as session:
        create_account(session, "analyst-concurrent", PASSWORD, "analyst")
    response = httpx.post(
        f"{base}/api/v1/session",
        json={"username": "analyst-concurrent", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def test_twenty_concurrent_watch_and_incubator_requests_all_answer(world_env: World) -> None:
    with serving(create_app(world_env.engine)) as base:
        headers = {"Authorization": f"Bearer {_token(base, world_env)}"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            alone = {path: client.get(path).json() for path in PATHS}

            def get(path: str) -> tuple[str, int, object]:
                response = client.get(path, params={"year": 2024})
                return path, response.status_code, response.json()

            with ThreadPoolExecutor(max_workers=20) as pool:
                answers = list(pool.map(get, [PATHS[i % 2] for i in range(20)]))
    assert [status for _, status, _ in answers] == [200] * 20, answers
    for path, _, body in answers:
        assert body == alone[path]
