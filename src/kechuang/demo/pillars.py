"""Seed the three pillars for the demo through the packages' own service functions.

Policy payments: one first-above-scale-reward run for 2024, published, one objection rejected
(and one upheld where there are enough awards), approved by a second officer (four-eyes), most
bank accounts confirmed, the rest lapsed, and the confirmed awards paid through the ledger, all in
2024 (the payments carry 2024 value dates, so the 2024 report counts them).
Tech finance: the two product funds, a few hundred loans under both products at several banks,
repaid on schedule up to yesterday; a few stop paying, fall overdue, default, are compensated and
partly recovered. Their past days are an officer's replay (kechuang.finance.dating), never a
bank's choice: every step names the replaying officer and is written to the audit log, and the
loans' rules (overdue days, claim deadline) are checked on the replayed days.
Transfer: a few dozen service inventions at four institutions, 赋权 cases, licences, a transfer
and equity deals with their income distributed and paid; and some demands.

Everything is deterministic for a seed and re-runnable: each pillar looks for its own demo
records first (the run's state, the DEMO- bank references, the demo patent numbers and demand
titles) and a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kechuang.domain.uscc import check_digit
from kechuang.domain.workdays import add_working_days
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow import clock

POLICY = "first-above-scale-reward"
YEAR = 2024
OFFICER = "demo-officer-li"
APPROVER = "demo-officer-wang"
DECIDER = "demo-officer-zhao"
FINANCE = "demo-finance-chen"
# The 2024 run is published, approved and paid in 2024 (value dates in November), so the 2024
# report shows its money.
PUBLISHED = dt.date(2024, 11, 4)  # a Monday

LOAN_REF = "DEMO-"
LOAN_AS_OF = dt.date(2025, 6, 30)
BANKS = ("icbc-sh", "boc-sh", "ccb-sh", "abc-sh", "spdb", "bosc")
INSURERS = ("picc-sh", "cpic-sh")
GUARANTORS = ("sh-smb-guarantee", "sh-tech-guarantee")
PRODUCTS = ("performance-loan", "tech-guarantee-2024")
FUND_SIZE_FEN = 400_000_000_00  # 400 million yuan each, leverage 10
FUND_LEVERAGE = Decimal(10)

INSTITUTIONS = {"fudan": "复旦大学", "sjtu": "上海交通大学", "tongji": "同济大学",
                "ecnu": "华东师范大学"}  # fmt: skip
SURNAMES = "张王李赵刘陈杨黄周吴徐孙朱马胡郭林何高罗"
GIVEN = ("伟", "芳", "强", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞")
CHECKLIST = {
    "pricing_method": "agreement",
    "notice_days": 15,
    "collective_decision": True,
    "conflict_of_interest_declared": True,
    "security_review": True,
    "inventors_consent": True,
}
DEMAND_TITLES = (
    ("工业视觉缺陷检测算法", "Visual defect detection for production lines", "G06T", "C3985"),
    ("固态电池电解质界面改性", "Interface modification of solid electrolytes", "H01M", "C3841"),
    ("可降解医用高分子材料", "Degradable medical polymers", "A61L", "C2770"),
    ("碳化硅功率器件封装", "Packaging of SiC power devices", "H01L", "C3972"),
    ("小样本医学影像识别", "Few-shot medical image recognition", "G06V", "I6520"),
    ("氢燃料电池低铂催化剂", "Low-platinum fuel-cell catalysts", "H01M", "C3849"),
    ("农业无人机变量施肥", "Variable-rate fertilising by drone", "A01C", "C3571"),
    ("mRNA递送脂质纳米颗粒", "Lipid nanoparticles for mRNA delivery", "A61K", "C2761"),
    ("柔性可穿戴血压传感", "Flexible wearable blood-pressure sensing", "A61B", "C3584"),
    ("数字孪生设备运维平台", "Digital-twin equipment maintenance", "G06Q", "I6513"),
    ("海洋工程防腐涂层", "Anti-corrosion coatings for marine works", "C09D", "C2641"),
    ("硅光集成光模块", "Silicon-photonics optical modules", "G02B", "C3976"),
)


@dataclass
class Summary:
    """What a seeding run did, pillar by pillar (`skipped` where the records were there)."""

    payments: dict[str, int] = field(default_factory=dict)
    loans: dict[str, int] = field(default_factory=dict)
    transfer: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def added(self) -> int:
        return sum(self.payments.values()) + sum(self.loans.values()) + sum(self.transfer.values())

    def lines(self) -> list[str]:
        out = []
        for name in ("payments", "loans", "transfer"):
            counts = getattr(self, name)
            if name in self.skipped and not counts:
                out.append(f"{name}: already seeded, nothing added")
            else:
                out.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return out


def seed_pillars(engine: Engine, seed: int = 2024, loans: int = 300, results: int = 36) -> Summary:
    """Seed every pillar that has no demo records yet."""
    summary = Summary()
    sessions = make_sessionmaker(engine)
    seed_payments(engine, sessions, random.Random(seed), summary)
    seed_loans(engine, sessions, random.Random(seed + 1), loans, summary)
    seed_transfer(sessions, random.Random(seed + 2), results, summary)
    return summary


def _population(session: Session, year: int) -> list[str]:
    from kechuang.enterprises.tables import annual_facts

    return list(
        session.scalars(
            select(annual_facts.c.uscc).where(annual_facts.c.year == year).order_by("uscc")
        )
    )


# --- policy payments -------------------------------------------------------------------------


def seed_payments(
    engine: Engine, sessions: Callable[[], Session], rng: random.Random, summary: Summary
) -> None:
    from kechuang.screening import service
    from kechuang.screening.runs import start_run
    from kechuang.screening.service import Objector
    from kechuang.screening.tables import Award, Objection, ScreeningRun

    with sessions() as session:
        run_id = session.scalar(
            select(ScreeningRun.id).where(
                ScreeningRun.policy_id == POLICY, ScreeningRun.year == YEAR,
                ScreeningRun.started_by == OFFICER,
            ).order_by(ScreeningRun.id)
        )  # fmt: skip
    counts = summary.payments
    if run_id is None:
        run_id = start_run(engine, POLICY, YEAR, OFFICER, budget_year=YEAR)
        counts["runs"] = 1
    with sessions() as session:
        run = session.get(ScreeningRun, run_id)
        assert run is not None
        if run.state in ("closed",) or (
            run.state == "approved"
            and not session.scalar(
                select(func.count()).select_from(Award).where(
                    Award.run_id == run_id, Award.state.in_(("approved", "confirmed"))
                )
            )
        ):  # fmt: skip
            summary.skipped.append("payments")
            return
        usccs = list(
            session.scalars(select(Award.uscc).where(Award.run_id == run_id).order_by(Award.uscc))
        )
        if run.state == "screened":
            service.publish(session, run_id, OFFICER, on=PUBLISHED)
            counts["published"] = 1
            if usccs:
                target = usccs[rng.randrange(len(usccs))]
                rejected = service.lodge_objection(
                    session, run_id, target, Objector(name="王先生", contact="13900000000"),
                    "该企业2023年营业收入已达规模以上标准", OFFICER, on=PUBLISHED,
                )  # fmt: skip
                service.decide_objection(
                    session, rejected.id, "rejected", "经核查统计口径，2023年未达规模", DECIDER
                )
                counts["objections"] = 1
                if len(usccs) >= 4:
                    other = next(u for u in usccs[::-1] if u != target)
                    upheld = service.lodge_objection(
                        session, run_id, other, Objector(uscc=usccs[0] if usccs[0] != other
                                                         else usccs[1]),
                        "该企业所属行业不符合政策范围", OFFICER, on=PUBLISHED,
                    )  # fmt: skip
                    service.decide_objection(session, upheld.id, "upheld", "核实属实", DECIDER)
                    counts["objections"] = 2
            session.commit()
        if run.state == "published":
            for open_id in session.scalars(
                select(Objection.id).where(Objection.run_id == run_id, Objection.decision.is_(None))
            ).all():
                service.decide_objection(session, open_id, "rejected", "经核查符合条件", DECIDER)
            assert run.notice_ends_on is not None
            approve_on = add_working_days(run.notice_ends_on, 1).day
            service.approve(session, run_id, APPROVER, on=approve_on)
            session.commit()
            counts["approved"] = 1
        if run.state == "approved":
            assert run.approved_on is not None and run.confirm_by is not None
            approved = session.scalars(
                select(Award).where(Award.run_id == run_id, Award.state == "approved")
                .order_by(Award.uscc)
            ).all()  # fmt: skip
            confirmed = 0
            for award in approved:
                if rng.random() < 0.12:
                    continue  # never confirms: lapses below
                on = min(run.approved_on + dt.timedelta(days=rng.randint(1, 10)), run.confirm_by)
                number = "6222" + "".join(str(rng.randrange(10)) for _ in range(15))
                service.confirm_account(
                    session, run_id, award.uscc, award.name, rng.choice(
                        ("中国工商银行上海分行", "中国银行上海市分行", "上海浦东发展银行",
                         "上海银行", "招商银行上海分行")),
                    number, actor=award.uscc, on=on,
                )  # fmt: skip
                confirmed += 1
            session.commit()
            counts["confirmed"] = confirmed
            if confirmed < len(approved):
                lapsed = service.lapse(
                    session, run_id, APPROVER, as_of=run.confirm_by + dt.timedelta(days=1)
                )
                session.commit()
                counts["lapsed"] = len(lapsed)
            value_date = add_working_days(run.confirm_by, 1).day
            result = service.pay(session, run_id, FINANCE, value_date=value_date)
            counts["paid"] = result.paid
            counts["paid_yuan"] = result.paid_fen // 100


# --- tech finance ----------------------------------------------------------------------------


def _eligible(engine: Engine, year: int) -> list[str]:
    from kechuang.finance.facts import prescreen
    from kechuang.finance.products import get_product
    from kechuang.screening.runs import Progress, fresh_snapshot

    snapshot, _, _ = fresh_snapshot(engine, Progress())
    rows = prescreen(snapshot, get_product(PRODUCTS[0]).admission, year)
    return [u for u, outcome, _ in rows if outcome == "eligible"]


def _principal_fen(rng: random.Random, max_yuan: int) -> int:
    # Mostly 0.5-5 million yuan, some larger; whole ten-thousands of yuan.
    yuan = min(max_yuan, max(100_000, int(rng.lognormvariate(14.6, 0.8))))
    return (yuan // 10_000) * 10_000 * 100


def _replayed(session: Session, step: str, loan_id: int, on: dt.date, actor: str) -> None:
    from kechuang.finance.dating import record_step

    record_step(session, actor, f"finance.{step}", "loan", loan_id, on, FINANCE)


def seed_loans(
    engine: Engine,
    sessions: Callable[[], Session],
    rng: random.Random,
    count: int,
    summary: Summary,
) -> None:
    from kechuang.finance import capacity, loans
    from kechuang.finance import claims as claim_flow
    from kechuang.finance.dating import record_step
    from kechuang.finance.errors import Refused
    from kechuang.finance.products import TIERS, get_product
    from kechuang.finance.tables import FinanceFund, Loan

    with sessions() as session:
        if session.scalar(select(Loan.id).where(Loan.bank_ref.like(f"{LOAN_REF}%")).limit(1)):
            summary.skipped.append("loans")
            return
        for product_id in PRODUCTS:
            ref = get_product(product_id).doc.fund
            if session.scalar(select(FinanceFund.id).where(FinanceFund.code == ref.code)) is None:
                capacity.create_fund(session, ref.code, ref.name_zh, ref.name_en, FUND_SIZE_FEN,
                                     FUND_LEVERAGE, FINANCE, dt.date(2024, 1, 2))  # fmt: skip
                record_step(session, FINANCE, "finance.fund.create", "fund", ref.code,
                            dt.date(2024, 1, 2), FINANCE)  # fmt: skip
        session.commit()
    eligible = _eligible(engine, YEAR - 1)
    chosen = rng.sample(eligible, min(count, len(eligible)))
    counts = summary.loans
    counts.update(applied=0, refused=0, disbursed=0)
    ids: list[int] = []
    with sessions() as session:
        for n, uscc in enumerate(chosen):
            guarantee = rng.random() < 0.35
            product = get_product(PRODUCTS[1] if guarantee else PRODUCTS[0])
            applied_on = dt.date(2024, 1, 8) + dt.timedelta(days=rng.randrange(330))
            app = loans.Application(
                product_id=product.id, uscc=uscc, bank_org=rng.choice(BANKS),
                partner_org=rng.choice(GUARANTORS if guarantee else INSURERS),
                bank_ref=f"{LOAN_REF}{n + 1:05d}",
                principal_fen=_principal_fen(rng, product.doc.limits.amount_max_yuan),
                term_months=rng.choice((12, 12, 24, 36)),
                method=rng.choice(("equal_instalment", "interest_only")),
                tier=rng.choice(TIERS) if guarantee else None,
            )  # fmt: skip
            try:
                loan = loans.apply(session, app, app.bank_org, applied_on, replayed_by=FINANCE)
            except Refused:
                session.rollback()
                continue
            _replayed(session, "apply", loan.id, applied_on, app.bank_org)
            counts["applied"] += 1
            if loan.state != "applied":
                counts["refused"] += 1
                session.commit()
                continue
            approved_on = applied_on + dt.timedelta(days=3)
            try:
                loans.approve(session, loan.id, app.bank_org, approved_on, replayed_by=FINANCE)
            except Refused:  # the fund is full
                session.rollback()
                continue
            _replayed(session, "approve", loan.id, approved_on, app.bank_org)
            disbursed_on = applied_on + dt.timedelta(days=7)
            loans.disburse(session, loan.id, app.bank_org, disbursed_on, replayed_by=FINANCE)
            _replayed(session, "disburse", loan.id, disbursed_on, app.bank_org)
            session.commit()
            ids.append(loan.id)
        counts["disbursed"] = len(ids)
        # About one loan in fifteen stops paying, at every bank: a bank's portfolio shows its
        # own non-performing loans (a sample over all banks left some banks with none).
        by_bank: dict[str, list[int]] = {}
        for loan_id in ids:
            lent = session.get(Loan, loan_id)
            assert lent is not None
            by_bank.setdefault(lent.bank_org, []).append(loan_id)
        bad: set[int] = set()
        stays_overdue: set[int] = set()
        for bank_ids in by_bank.values():
            picked = rng.sample(bank_ids, min(len(bank_ids), max(2, len(bank_ids) // 15)))
            bad.update(picked)
            # Each bank's first bad loan is still non-performing today (overdue, then
            # defaulted by the daily job): nothing is claimed on it yet.
            stays_overdue.add(min(picked))
        # The good loans keep paying on schedule up to yesterday, so that the daily job
        # (finance.tick) finds only the bad ones late: the demo shows the true state today.
        repaid_until = max(LOAN_AS_OF, clock.today() - dt.timedelta(days=1))
        repayments = 0
        for loan_id in ids:
            bank = session.get(Loan, loan_id)
            assert bank is not None
            rows = [r for r in loans.instalments(session, loan_id) if r.due_on <= repaid_until]
            if loan_id in bad:
                rows = rows[: rng.choice((0, 1, 2))]
            for row in rows:
                late = rng.random() < 0.04
                on = row.due_on + dt.timedelta(days=rng.randint(3, 20) if late else 0)
                on = min(on, max(repaid_until, row.due_on))  # never a day still to come
                loans.repay(session, loan_id, f"{LOAN_REF}R{loan_id}-{row.seq}",
                            row.principal_fen + row.interest_fen, bank.bank_org, on,
                            replayed_by=FINANCE)  # fmt: skip
                _replayed(session, "repay", loan_id, on, bank.bank_org)
                repayments += 1
            session.commit()
        counts["repayments"] = repayments
        overdue = 0
        for bank_org in BANKS:
            overdue += loans.mark_overdue(session, LOAN_AS_OF, FINANCE, bank_org=bank_org,
                                          replayed_by=FINANCE)  # fmt: skip
        record_step(session, FINANCE, "finance.overdue", "loans", "*", LOAN_AS_OF, FINANCE,
                    {"moved": overdue})  # fmt: skip
        session.commit()
        counts["overdue"] = overdue
        defaulted = claims = recoveries = closed = 0
        for k, loan_id in enumerate(sorted(bad)):
            loan = session.get(Loan, loan_id)
            assert loan is not None
            if loan.state != "overdue" or k % 4 == 3 or loan_id in stays_overdue:
                continue
            try:
                loans.declare_default(session, loan_id, loan.bank_org, LOAN_AS_OF,
                                      replayed_by=FINANCE)  # fmt: skip
            except Refused:
                session.rollback()
                continue
            _replayed(session, "default", loan_id, LOAN_AS_OF, loan.bank_org)
            defaulted += 1
            claimed_on = LOAN_AS_OF + dt.timedelta(days=5)
            claim = loans.claim(session, loan_id, loan.bank_org, claimed_on, replayed_by=FINANCE)
            _replayed(session, "claim", loan_id, claimed_on, loan.bank_org)
            claims += 1
            session.commit()
            if k % 3 == 1:  # some claims still wait for the insurer or guarantor
                continue
            # The insurer or guarantor confirms and pays its part, then the fund pays.
            partner_on = claimed_on + dt.timedelta(days=3)
            paid_on = claimed_on + dt.timedelta(days=8)
            for service, verb in ((claim_flow.confirm, "confirm"), (claim_flow.pay_share, "pay")):
                service(session, claim.id, loan.partner_org, partner_on, replayed_by=FINANCE)
                _replayed(session, f"claims.{verb}", loan_id, partner_on, loan.partner_org)
            claim_flow.approve(session, claim.id, FINANCE, paid_on, replayed_by=FINANCE)
            _replayed(session, "claims.approve", loan_id, paid_on, FINANCE)
            session.commit()
            if k % 2 == 0 and loan.defaulted_fen:
                amount = loan.defaulted_fen * rng.randint(15, 60) // 100
                recovered_on = dt.date(2025, 10, 15)
                loans.recover(session, loan_id, f"{LOAN_REF}C{loan_id}-1", amount, loan.bank_org,
                              recovered_on, replayed_by=FINANCE)  # fmt: skip
                _replayed(session, "recover", loan_id, recovered_on, loan.bank_org)
                recoveries += 1
                if k == 0:
                    closed_on = dt.date(2025, 12, 1)
                    loans.close(session, loan_id, FINANCE, closed_on, "追偿程序终结，余额核销",
                                replayed_by=FINANCE)  # fmt: skip
                    _replayed(session, "close", loan_id, closed_on, FINANCE)
                    closed += 1
                session.commit()
        counts.update(defaulted=defaulted, claims=claims, recoveries=recoveries, closed=closed)


# --- transfer --------------------------------------------------------------------------------


def _patent_number(rng: random.Random, year: int) -> str:
    from kechuang.transfer.patent_number import check_character

    digits = f"{year}1{rng.randrange(10_000_000):07d}"
    return f"{digits}.{check_character(digits)}"


def _inventors(rng: random.Random) -> str:
    names = []
    while len(names) < rng.choice((2, 3, 3, 4)):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))
        if name not in names:
            names.append(name)
    shares = {2: (60, 40), 3: (50, 30, 20), 4: (40, 30, 20, 10)}[len(names)]
    return ";".join(
        f"{name}:{share}" + (":main" if i < 2 else "")
        for i, (name, share) in enumerate(zip(names, shares, strict=True))
    )


def _company_uscc(serial: int) -> str:
    first_17 = f"91310115MA7{serial:06d}"
    return first_17 + check_digit(first_17)


def seed_transfer(
    sessions: Callable[[], Session], rng: random.Random, count: int, summary: Summary
) -> None:
    from kechuang.transfer import demands
    from kechuang.transfer.access import Actor
    from kechuang.transfer.tables import Demand, Result

    counts = summary.transfer
    numbers = [_patent_number(rng, 2019 + n % 5) for n in range(count)]
    with sessions() as session:
        population = _population(session, YEAR)
        done = session.scalar(
            select(Result.id).where(
                Result.institution.in_(list(INSTITUTIONS)),
                Result.application_number.in_(numbers[:1] or [""]),
            )
        )  # fmt: skip
        if done is None and count:
            _transfer_deals(session, rng, count, numbers, population, counts)
            session.commit()
        demand_done = session.scalar(
            select(Demand.id).where(Demand.title_zh == DEMAND_TITLES[0][0]).limit(1)
        )
        if demand_done is None and population:
            posted = 0
            # The demo enterprises' accounts (accounts.demo) post the first demands.
            featured = _featured(session)
            for n, (zh, en, ipc, industry) in enumerate(DEMAND_TITLES):
                uscc = population[rng.randrange(len(population))]
                if featured and n < 2 * len(featured):
                    uscc = featured[n % len(featured)]
                who = Actor(f"demo-{uscc}", "enterprise", uscc=uscc)
                demands.post(session, who, demands.DemandDraft(
                    title_zh=zh, title_en=en,
                    description_zh=f"我公司在{zh}方面有技术需求，寻求高校院所合作开发或技术许可。",
                    ipc_codes=ipc, industry_code=industry,
                    budget_fen=rng.choice((50, 100, 200, 500, 1000)) * 10_000_00,
                ))  # fmt: skip
                posted += 1
                if n % 5 == 4:
                    demands.close(session, who, session.scalars(
                        select(Demand.id).where(Demand.title_zh == zh)).one())  # fmt: skip
            session.commit()
            counts["demands"] = posted
    if not counts:
        summary.skipped.append("transfer")


def _featured(session: Session) -> list[str]:
    from kechuang.accounts.demo import demo_enterprises

    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return demo_enterprises(bind)


def _transfer_deals(
    session: Session,
    rng: random.Random,
    count: int,
    numbers: list[str],
    population: list[str],
    counts: dict[str, int],
) -> None:
    from kechuang.transfer import deals, empowerment, income, register
    from kechuang.transfer.access import Actor
    from kechuang.transfer.deals import DealDraft
    from kechuang.transfer.distribution import Rule
    from kechuang.transfer.drafts import check_result
    from kechuang.transfer.due_diligence import Agreement
    from kechuang.transfer.income import IncomeDraft
    from kechuang.transfer.synthetic import results as synthetic_results

    orgs = list(INSTITUTIONS)
    offices = {org: Actor(f"demo-tto-{org}", "tech_transfer", org=org) for org in orgs}
    for org in orgs[:2]:
        register.set_rule(session, org, Rule(licence_bp=7_000, transfer_bp=7_000,
                                             equity_bp=7_000))  # fmt: skip
    results = []
    for n, synthetic in enumerate(synthetic_results(count, seed=rng.randrange(1_000_000))):
        org, doc = orgs[n % len(orgs)], synthetic.document
        draft, problems = check_result(
            kind="patent", title_zh=doc.title, title_en=synthetic.title_en,
            abstract_zh=doc.text, abstract_en=synthetic.summary_en, keywords="",
            application_number=numbers[n],
            ipc_codes="; ".join(f"{c} 1/00" for c in doc.ipc_codes),
            industry_code=doc.industry_code,
            disclosed_on=dt.date(2023, 1, 9) + dt.timedelta(days=rng.randrange(540)),
            inventors=_inventors(rng),
        )  # fmt: skip
        if draft is None:
            raise ValueError(f"demo result {n}: {problems}")
        results.append((org, register.add_result(session, org, draft, offices[org].username)))
    counts["results"] = len(results)
    agreement = Agreement(
        kind="co_ownership", inventor_ownership_bp=7_000, term_years=None, licence_bp=8_000,
        transfer_bp=7_000, equity_bp=7_000, decision_rights="转化决策由完成人团队提出，单位备案",
        costs="专利维持费由双方按持有比例承担",
    )  # fmt: skip
    empowered = 0
    for n, (org, result) in enumerate(results[: max(1, len(results) // 4)]):
        who = offices[org]
        case = empowerment.request(session, who, result.id, "完成人申请赋予70%所有权")
        empowerment.start_review(session, who, case.id)
        if n == 3:
            empowerment.reject(session, who, case.id, "涉及在研国家项目，暂不赋权")
            continue
        agreed = dt.date(2024, 2, 1) + dt.timedelta(days=rng.randrange(60))
        empowerment.agree(session, who, case.id, CHECKLIST, agreement, agreed)
        empowerment.register_change(session, who, case.id, f"CNIPA-DEMO-{result.id:04d}",
                                    agreed + dt.timedelta(days=30))  # fmt: skip
        empowered += 1
    counts["empowerments"] = empowered
    buyers = population or [_company_uscc(900 + n) for n in range(10)]
    licences = transfers = equity = incomes = paid = 0
    dealt = results[: max(3, len(results) * 2 // 5)]
    for n, (org, result) in enumerate(dealt):
        who = offices[org]
        signed = dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(240))
        buyer = buyers[rng.randrange(len(buyers))]
        amount = rng.choice((50, 80, 120, 200, 300, 500, 800)) * 10_000_00
        if n % 7 == 1:
            deal = deals.create(session, who, result.id, DealDraft(
                kind="transfer", counterparty_name=f"上海科技企业{buyer[-6:]}",
                counterparty_uscc=buyer, signed_on=signed, contract_amount_minor=amount,
            ))  # fmt: skip
            draft = IncomeDraft("price", f"DEMO-T{deal.id}", signed + dt.timedelta(days=20),
                                amount, costs_fen=amount // 50)  # fmt: skip
            transfers += 1
        elif n % 7 == 2:
            company = _company_uscc(n)
            shares = rng.choice((500_000, 1_000_000, 2_000_000))
            deal = deals.create(session, who, result.id, DealDraft(
                kind="equity_investment", counterparty_name=f"上海{INSTITUTIONS[org]}成果转化公司",
                company_uscc=company, company_name=f"上海{INSTITUTIONS[org][:2]}智创科技有限公司",
                company_founded_on=signed, shares=shares, signed_on=signed,
                contract_amount_minor=amount,
            ))  # fmt: skip
            draft = IncomeDraft("equity", f"DEMO-E{deal.id}", signed + dt.timedelta(days=30),
                                amount, shares=shares)  # fmt: skip
            equity += 1
        else:
            upfront = amount * rng.choice((20, 30, 40)) // 100
            deal = deals.create(session, who, result.id, DealDraft(
                kind="licence", counterparty_name=f"上海科技企业{buyer[-6:]}",
                counterparty_uscc=buyer, exclusive=rng.random() < 0.5, territory="中国大陆",
                signed_on=signed, contract_amount_minor=amount, upfront_minor=upfront,
                milestones=[{"name": "完成中试", "amount_minor": amount - upfront}],
                royalty_bp=rng.choice((200, 300, 500)),
            ))  # fmt: skip
            draft = IncomeDraft("upfront", f"DEMO-L{deal.id}", signed + dt.timedelta(days=15),
                                upfront, costs_fen=upfront // 40)  # fmt: skip
            licences += 1
        row = income.record(session, who, deal.id, draft)
        incomes += 1
        if draft.shares is None and n % 3 != 2 and income.pay(session, who, row.id):
            paid += 1
    counts.update(licences=licences, transfers=transfers, equity_deals=equity,
                  incomes=incomes, rewards_paid=paid)  # fmt: skip
