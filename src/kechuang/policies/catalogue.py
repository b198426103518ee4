"""The published policies as the web app sees them (from the store), searched and filtered."""

from __future__ import annotations

import datetime as dt

from kechuang.http.problems import ProblemError
from kechuang.policies.pack import Pack, PackError
from kechuang.policies.source import current_pack
from kechuang.rules.policy import Policy

STATUSES = ("in_force", "expired", "upcoming")


def pack() -> Pack:
    """The published versions in the store (policies.source), rebuilt when a publication
    changes them."""
    return current_pack()


def status_on(policy: Policy, day: dt.date) -> str:
    if policy.effective_from > day:
        return "upcoming"
    if policy.effective_to is not None and policy.effective_to < day:
        return "expired"
    return "in_force"


def search(
    q: str | None = None,
    issuer: str | None = None,
    mode: str | None = None,
    status: str | None = None,
    day: dt.date | None = None,
) -> list[Policy]:
    """Every policy version matching all given filters, by id then effective date."""
    day = day or dt.date.today()
    needle = (q or "").strip().lower()
    found = []
    for policy in sorted(pack().policies, key=lambda p: (p.id, p.effective_from)):
        text = " ".join(
            (policy.id, policy.title.zh, policy.title.en, policy.document_number, policy.issuer)
        ).lower()
        if needle and needle not in text:
            continue
        if issuer and policy.issuer != issuer:
            continue
        if mode and policy.mode.value != mode:
            continue
        if status and status_on(policy, day) != status:
            continue
        found.append(policy)
    return found


def issuers() -> list[str]:
    return sorted({p.issuer for p in pack().policies})


def version(policy_id: str, version: str | None = None, year: int | None = None) -> Policy:
    """A policy by id: the given version, the one in force in `year`, or the newest."""
    try:
        versions = pack().versions(policy_id)
    except PackError:
        raise ProblemError(404, f"no policy {policy_id!r}") from None
    if version:
        for p in versions:
            if p.version == version:
                return p
        raise ProblemError(404, f"policy {policy_id} has no version {version!r}")
    if year is not None:
        try:
            return pack().get(policy_id, year)
        except PackError as exc:
            raise ProblemError(404, str(exc)) from None
    return versions[-1]


def of_run(policy_id: str, recorded: str, year: int) -> Policy:
    """The policy a run screened, for its page: the version it recorded, or, when the pack has
    since replaced that version (a run keeps its own version and hash), the one in force in the
    run's year, else the newest."""
    try:
        return version(policy_id, recorded)
    except ProblemError:
        pass
    try:
        return version(policy_id, year=year)
    except ProblemError:
        return version(policy_id)


def in_force(year: int) -> list[Policy]:
    return pack().resolve(["all"], year)


def run_years(policy: Policy) -> list[int]:
    """The evaluation years this version answers for (in force on their 31 December), up to
    the current year: exactly the years a run of it may be started for."""
    from kechuang.domain.periods import FIRST_YEAR, current_year
    from kechuang.rules.policy import reference_date

    last = current_year()
    if policy.effective_to is not None:
        last = min(last, policy.effective_to.year)
    first = max(FIRST_YEAR, policy.effective_from.year)
    return [y for y in range(first, last + 1) if policy.in_force(reference_date(y))]


def run_choices() -> list[tuple[Policy, list[int]]]:
    """Every published 免申即享 version with the years it may be run for (none: left out)."""
    found = [(p, run_years(p)) for p in search(mode="automatic")]
    return [(p, years) for p, years in found if years]
