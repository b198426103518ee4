"""Credit products as data: finance/products/*.yaml, validated whole when loaded.

A product names its admission rule (a policy-language file under products/admission/), its amount
and term limits, rate, repayment methods, default and claim periods, premium or guarantee terms,
and its risk shares as dated values (by enterprise tier where the product says so). Shares are
exact Decimals that must add up to 1; a guarantee product's shares must respect its own limits
(bank at least bank_share_min, the guarantee system at most system_share_max).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kechuang.rules import safe_yaml
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy

PARTIES = ("compensation_fund", "national_fund", "insurer", "guarantor", "bank")
FUND_PARTIES = ("compensation_fund", "national_fund")
METHODS = ("equal_instalment", "interest_only")
TIERS = ("tier_a", "tier_b", "tier_c")
ONE = Decimal(1)


class ProductError(ValueError):
    """A product file that cannot be used; the message names the file and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    value: int = Field(ge=1)
    reference: str = Field(min_length=1)


class Limits(_Strict):
    amount_min_yuan: int = Field(ge=1)
    amount_max_yuan: int = Field(ge=1)
    term_months_max: int = Field(ge=1, le=360)
    reference: str = Field(min_length=1)

    @property
    def amount_min_fen(self) -> int:
        return self.amount_min_yuan * 100

    @property
    def amount_max_fen(self) -> int:
        return self.amount_max_yuan * 100


class Rate(_Strict):
    annual: Decimal = Field(gt=0, lt=1)
    reference: str = Field(min_length=1)


class FundRef(_Strict):
    code: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    name_zh: str
    name_en: str


class Premium(_Strict):
    rate: Decimal = Field(gt=0, lt=1)
    base: Literal["principal_plus_interest", "principal"]
    subsidy_share_on_timely: Decimal = Field(ge=0, le=1)
    reference: str = Field(min_length=1)


class Guarantee(_Strict):
    fee_rate: Decimal = Field(ge=0, lt=1)
    fee_rate_below: Decimal = Field(gt=0, le=1)
    bank_share_min: Decimal = Field(ge=0, le=1)
    system_share_max: Decimal = Field(ge=0, le=1)
    reference: str = Field(min_length=1)


Shares = dict[str, Decimal]


class DatedShares(_Strict):
    from_: dt.date = Field(alias="from")
    shares: Shares | None = None
    by_tier: dict[str, Shares] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> DatedShares:
        if (self.shares is None) == (self.by_tier is None):
            raise ValueError("give either `shares` or `by_tier`")
        for shares in [self.shares] if self.shares is not None else (self.by_tier or {}).values():
            unknown = sorted(set(shares) - set(PARTIES))
            if unknown:
                raise ValueError(f"unknown parties {unknown} (known: {', '.join(PARTIES)})")
            if any(v < 0 for v in shares.values()) or sum(shares.values()) != ONE:
                raise ValueError(f"shares must be >= 0 and add up to exactly 1: {shares}")
        if self.by_tier is not None and sorted(self.by_tier) != sorted(TIERS):
            raise ValueError(f"by_tier needs exactly {', '.join(TIERS)}")
        return self


class RiskShares(_Strict):
    reference: str = Field(min_length=1)
    values: list[DatedShares] = Field(min_length=1)


class Text(_Strict):
    zh: str
    en: str


class ProductDoc(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    version: str
    kind: Literal["risk_shared_loan", "guarantee"]
    title: Text
    document_number: str = Field(min_length=1)
    admission: str
    fund: FundRef
    limits: Limits
    rate: Rate
    methods: list[Literal["equal_instalment", "interest_only"]] = Field(min_length=1)
    default_after_overdue_days: Cited
    claim_deadline_working_days: Cited
    premium: Premium | None = None
    guarantee: Guarantee | None = None
    risk_shares: RiskShares

    @model_validator(mode="after")
    def _consistent(self) -> ProductDoc:
        if self.limits.amount_min_yuan > self.limits.amount_max_yuan:
            raise ValueError("limits: amount_min_yuan is above amount_max_yuan")
        if self.kind == "risk_shared_loan" and self.premium is None:
            raise ValueError("a risk_shared_loan needs `premium`")
        if self.kind == "guarantee":
            g = self.guarantee
            if g is None:
                raise ValueError("a guarantee product needs `guarantee`")
            if g.fee_rate >= g.fee_rate_below:
                raise ValueError(f"guarantee fee {g.fee_rate} must be below {g.fee_rate_below}")
            for dated in self.risk_shares.values:
                tables = [dated.shares] if dated.shares else list((dated.by_tier or {}).values())
                for shares in tables:
                    if shares.get("bank", Decimal(0)) < g.bank_share_min:
                        raise ValueError(f"the bank's share must be >= {g.bank_share_min}")
                    if ONE - shares.get("bank", Decimal(0)) > g.system_share_max:
                        raise ValueError(f"the system's share must be <= {g.system_share_max}")
        return self


class Product:
    """A loaded product: its document, its admission policy, and its dated shares."""

    def __init__(self, doc: ProductDoc, admission: Policy, source_file: str) -> None:
        self.doc = doc
        self.admission = admission
        self.source_file = source_file

    @property
    def id(self) -> str:
        return self.doc.id

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def fund_party(self) -> str:
        return "compensation_fund" if self.kind == "risk_shared_loan" else "national_fund"

    @property
    def counterparty(self) -> str:
        """The institution besides the bank that shares the risk: the insurer or the guarantor."""
        return "insurer" if self.kind == "risk_shared_loan" else "guarantor"

    def shares_on(self, day: dt.date, tier: str | None = None) -> dict[str, Decimal]:
        """The risk shares in force on `day` (for the enterprise's tier where they depend on it)."""
        in_force = [v for v in self.doc.risk_shares.values if v.from_ <= day]
        if not in_force:
            raise ProductError(f"product {self.id} has no risk shares in force on {day}")
        dated = max(in_force, key=lambda v: v.from_)
        if dated.shares is not None:
            return dict(dated.shares)
        if tier not in TIERS:
            raise ProductError(f"product {self.id} shares risk by tier: give one of {TIERS}")
        assert dated.by_tier is not None
        return dict(dated.by_tier[tier])


def _products_dir() -> Path:
    return Path(str(resources.files("kechuang.finance") / "products"))


def load_product_file(path: Path) -> Product:
    """One product file and its admission rule, or ProductError naming the file."""
    try:
        raw = safe_yaml.load(path.read_text(encoding="utf-8"))
        doc = ProductDoc.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ProductError(f"{path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise ProductError(f"{path}: {problems}") from None
    admission_path = path.parent / doc.admission
    if not admission_path.is_file():
        raise ProductError(f"{path}: admission rule {doc.admission} not found")
    admission = load_policy_text(admission_path.read_text(encoding="utf-8"), str(admission_path))
    return Product(doc, admission, str(path))


@cache
def load_products(directory: str | None = None) -> dict[str, Product]:
    """Every product in the directory (default: the shipped products), by id."""
    root = Path(directory) if directory else _products_dir()
    products: dict[str, Product] = {}
    for path in sorted(root.glob("*.yaml")):
        product = load_product_file(path)
        if product.id in products:
            raise ProductError(f"{path}: product id {product.id} is defined twice")
        products[product.id] = product
    return products


def get_product(product_id: str) -> Product:
    products = load_products()
    try:
        return products[product_id]
    except KeyError:
        raise ProductError(
            f"unknown product {product_id!r} (known: {', '.join(sorted(products))})"
        ) from None
