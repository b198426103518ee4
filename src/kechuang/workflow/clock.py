"""The platform's business day: today in China, from the server's clock and never from a caller.

Notice periods, deadlines and the dates of workflow events count from here. The web app may
replace it per application (tests move time forward through `app.state.clock`); the CLI reads it
through this module so that tests can do the same with monkeypatch.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()
