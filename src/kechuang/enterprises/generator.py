"""The synthetic Shanghai enterprise population: a panel in the data contract's format.

`generate_batches(enterprises, years, seed)` yields pyarrow RecordBatches (one per chunk of
CHUNK_SIZE enterprises, rows enterprise by enterprise, year by year) with exactly the columns of
domain.panel, typed by `panel_arrow_schema()`. `write_panel(path, ...)` streams them to
.parquet (each chunk's rows year by year, so every row group holds one year), .csv or (small
populations) .xlsx. Everything is vectorised with numpy; a chunk's random stream is PCG64
seeded by (seed, chunk number), so the same seed gives the same file and memory stays bounded
by one chunk.

The model, in the order it is drawn (each fact derived from the ones before it so that the
contract's bounds hold by construction, then clamped anyway):

- industry (names.INDUSTRIES) decides a group profile (GROUPS): typical revenue, spread,
  technology share, R&D intensity, revenue per employee, pre-revenue share;
- district and park (names.DISTRICTS); founding date 1995..last year, more recent years more
  likely, so young firms exist and have rows only for the years they existed;
- revenue lognormal (heavy tail) with a per-firm growth rate and yearly noise (some decline);
  employees from revenue and a per-firm productivity; S&T and R&D staff shares; R&D expense
  from revenue and intensity; shares of main-business, high-tech and domestic R&D; costs;
  assets and a debt ratio (a few firms insolvent, so net assets negative); IP stocks growing
  with age and R&D; equity rounds (mostly none, some large) and the valuation they imply;
  niche years, market share, listing, output value (sections C and D), rare flags;
- is_hnte for most firms that meet the HNTE quantitative conditions and a few that do not;
- boundaries.CASES overwrite a few per cent of firms with facts exactly on a national threshold;
- a small share of non-key cells are left empty (unknown), never in boundary firms.

Money is integer fen (int64) from the first moment it is a fact; random draws in float are
rounded to fen once and every later amount is an integer share of another, so nothing written
ever passed through float arithmetic after rounding. Decimal columns are built from the fen
buffers directly (scale 2), which is exact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kechuang.domain.panel import COLUMNS, RATIO_DECIMALS
from kechuang.domain.spreadsheet import keep_text
from kechuang.enterprises import boundaries, names
from kechuang.enterprises.snapshot import by_year, panel_arrow_schema

CHUNK_SIZE = 100_000
ROW_GROUP_ROWS = 131_072  # Parquet row group size (rows)
# Bounded by the smallest identifier space below (3- and 2-character trade names).
MAX_ENTERPRISES = 7_000_000
XLSX_MAX_ENTERPRISES = 50_000

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


@dataclass(frozen=True)
class Group:
    """Economic profile of a group of industries. Amounts in yuan (medians of lognormals)."""

    revenue: float  # median revenue of a mature firm
    spread: float  # sigma of log revenue across firms
    tech: float  # share of technology firms (S&T staff, R&D, high-tech revenue, IP)
    rd_intensity: float  # median R&D / revenue of a technology firm
    per_employee: float  # median revenue per employee
    pre_revenue: float  # share of young firms with no revenue yet (drug developers ...)


GROUPS: dict[str, Group] = {
    "M": Group(4e6, 1.7, 0.75, 0.08, 6e5, 0.06),
    "I": Group(6e6, 1.7, 0.75, 0.09, 7e5, 0.03),
    "C27": Group(2e7, 1.9, 0.85, 0.10, 1.2e6, 0.15),
    "CT": Group(3e7, 1.6, 0.80, 0.06, 1.2e6, 0.04),
    "C": Group(4e7, 1.4, 0.35, 0.03, 1.5e6, 0.01),
    "F51": Group(3e7, 1.5, 0.10, 0.01, 4e6, 0.0),
    "F52": Group(6e6, 1.2, 0.02, 0.01, 1e6, 0.0),
    "L": Group(5e6, 1.8, 0.10, 0.02, 1e6, 0.02),
    "J": Group(8e6, 1.8, 0.15, 0.03, 2e6, 0.02),
    "G": Group(1.5e7, 1.5, 0.05, 0.01, 8e5, 0.0),
    "H": Group(3e6, 1.2, 0.02, 0.01, 3e5, 0.0),
    "P": Group(3e6, 1.3, 0.30, 0.04, 4e5, 0.02),
    "S5": Group(5e6, 1.3, 0.15, 0.02, 5e5, 0.0),
}

# Shares of firm-years left unknown per column (never key facts, never boundary firms).
UNKNOWN_SHARE: dict[str, float] = {
    "st_staff": 0.005,
    "rd_staff": 0.01,
    "main_business_revenue": 0.01,
    "cost_expense_total": 0.015,
    "total_liabilities": 0.005,
    "rd_expense": 0.005,
    "rd_expense_domestic": 0.015,
    "hightech_revenue": 0.01,
    "ip_class2": 0.01,
    "transformations": 0.02,
    "equity_financing": 0.01,
    "niche_years": 0.02,
    "national_award_5y": 0.01,
    "provincial_rd_institution": 0.01,
    "led_standard_5y": 0.01,
    "major_accident": 0.005,
    "misconduct": 0.005,
    "abnormal_list": 0.005,
    "output_value": 0.03,
    "award_national_rank": 0.02,
    "award_provincial_rank": 0.02,
    "makers_china_rank": 0.02,
    "tech_innovation_demo": 0.01,
    "ip_demo_enterprise": 0.01,
    "six_basics_or_key_link": 0.03,
    "is_tsme": 0.01,
    "is_innovative_sme": 0.01,
    "is_srdi_sme": 0.01,
}

LISTING_BOARDS = ("科创板", "主板", "创业板", "北交所", "港股", "境外")
LISTING_SHARES = (0.55, 0.20, 0.12, 0.05, 0.05, 0.03)

MAX_REVENUE_YUAN = 5e10  # keeps every amount far inside DECIMAL(18,2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714-1997 organisation code
# Organisation codes issued before the USCC (late 2015) are 8 digits (here 5xxxxxxx-7xxxxxxx);
# later ones are 'MA' and 6 characters of the USCC alphabet.
OLD_CODES = 30_000_000
NEW_CODES = 31**6
NEW_CODES_FROM_YEAR = 2016


# ---------------------------------------------------------------------------------------------
# Static tables as arrays.


def _normalised(weights: Sequence[float]) -> FloatArray:
    array = np.asarray(weights, dtype=np.float64)
    shares: FloatArray = array / array.sum()
    return shares


_GROUP_NAMES = tuple(GROUPS)
_IND_CODES = pa.array([s.code for s in names.INDUSTRIES], pa.string())
_IND_WORDS = pa.array([s.word for s in names.INDUSTRIES], pa.string())
_IND_P = _normalised([s.weight for s in names.INDUSTRIES])
_IND_GROUP = np.array([_GROUP_NAMES.index(s.group) for s in names.INDUSTRIES])
_IND_MANUFACTURING = np.array([s.code[0] in "BCD" for s in names.INDUSTRIES])
_IND_INDEX = {s.code: i for i, s in enumerate(names.INDUSTRIES)}


def _group_column(attribute: str) -> FloatArray:
    return np.array([getattr(GROUPS[g], attribute) for g in _GROUP_NAMES], dtype=np.float64)


_G_REVENUE = np.log(_group_column("revenue"))
_G_SPREAD = _group_column("spread")
_G_TECH = _group_column("tech")
_G_RD = np.log(_group_column("rd_intensity"))
_G_PER_EMPLOYEE = np.log(_group_column("per_employee"))
_G_PRE_REVENUE = _group_column("pre_revenue")

_DISTRICT_CODES = np.array([d.code for d in names.DISTRICTS])
_DISTRICT_P = _normalised([d.weight for d in names.DISTRICTS])
_PARK_NAMES = pa.array([p for d in names.DISTRICTS for p, _ in d.parks], pa.string())
_PARK_COUNT = np.array([len(d.parks) for d in names.DISTRICTS])
_PARK_OFFSET = np.concatenate([[0], np.cumsum(_PARK_COUNT)[:-1]])
_PARK_CUMULATIVE = np.full((len(names.DISTRICTS), int(_PARK_COUNT.max())), 2.0)
for _row, _district in enumerate(names.DISTRICTS):
    _PARK_CUMULATIVE[_row, : len(_district.parks)] = np.cumsum([s for _, s in _district.parks])

_TRADE = names.trade_pool()
_TRADE_POOL = pa.array([*_TRADE, ""], pa.string())  # the last entry: no third character
_K = len(_TRADE)
TWO_CHARACTER_NAMES = _K**2
MAX_NAMES = _K**2 + _K**3


def _multiplier(space: int) -> int:
    """A multiplier coprime with `space`: x -> (a*x + b) mod space is then a bijection."""
    candidate = int(space * 0.6180339887) | 1
    while math.gcd(candidate, space) != 1:
        candidate += 2
    return candidate


_SPACES = (OLD_CODES, NEW_CODES, TWO_CHARACTER_NAMES, _K**3)
_MULTIPLIERS = tuple(_multiplier(s) for s in _SPACES)


def _permute(index: IntArray, which: int, offsets: Sequence[int]) -> IntArray:
    """A seeded bijection of 0..space-1 (so distinct firms get distinct codes and names)."""
    space = _SPACES[which]
    return (index * _MULTIPLIERS[which] + offsets[which]) % space


# ---------------------------------------------------------------------------------------------
# Arrow construction from numpy, exactly.


def _validity(valid: BoolArray | None) -> pa.Buffer | None:
    if valid is None or valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def decimal_array(units: IntArray, valid: BoolArray | None, scale: int) -> pa.Array:
    """DECIMAL(18,2) or DECIMAL(9,6) from integer units (fen, millionths), bit-exact."""
    precision = 18 if scale == 2 else 9
    data = np.empty((len(units), 2), dtype=np.int64)
    data[:, 0] = units
    data[:, 1] = units >> 63  # sign extension into the high 64 bits (little-endian int128)
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(units), [_validity(valid), pa.py_buffer(data)]
    )


def _ascii_strings(chars: np.ndarray) -> pa.Array:
    """A string array from an (n, width) uint8 array of ASCII bytes."""
    count, width = chars.shape
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(
        count, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))
    )


def _digits(values: IntArray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


_ALPHABET_BYTES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
# GB 11714 character values: digits 0-9, letters A=10 ... Z=35.
_GB11714_VALUE = np.zeros(128, dtype=np.int64)
_GB11714_VALUE[ord("0") : ord("9") + 1] = np.arange(10)
_GB11714_VALUE[ord("A") : ord("Z") + 1] = np.arange(10, 36)
_USCC_VALUE = np.full(128, -1, dtype=np.int64)
_USCC_VALUE[_ALPHABET_BYTES] = np.arange(31)


def uscc_codes(
    index: IntArray, district: np.ndarray, new_style: BoolArray, offsets: Sequence[int]
) -> pa.Array:
    """Valid, distinct USCCs: 9 (工商) 1 (企业), district, organisation code + check, check."""
    count = len(index)
    chars = np.empty((count, 18), dtype=np.uint8)
    chars[:, 0] = ord("9")
    chars[:, 1] = ord("1")
    chars[:, 2:8] = np.frombuffer("".join(district).encode(), dtype=np.uint8).reshape(count, 6)
    old = _permute(index, 0, offsets)
    body = np.empty((count, 8), dtype=np.uint8)
    body[:, 0] = ord("5") + old // 10_000_000
    body[:, 1:] = _digits(old % 10_000_000, 7)
    new = _permute(index, 1, offsets)
    new_body = np.empty((count, 8), dtype=np.uint8)
    new_body[:, 0] = ord("M")
    new_body[:, 1] = ord("A")
    powers = 31 ** np.arange(5, -1, -1, dtype=np.int64)
    new_body[:, 2:] = _ALPHABET_BYTES[(new[:, None] // powers) % 31]
    chars[:, 8:16] = np.where(new_style[:, None], new_body, body)
    org_check = 11 - (_GB11714_VALUE[chars[:, 8:16]] * ORG_WEIGHTS).sum(axis=1) % 11
    chars[:, 16] = np.where(
        org_check == 10, ord("X"), np.where(org_check == 11, ord("0"), ord("0") + org_check)
    )
    total = (_USCC_VALUE[chars[:, :17]] * USCC_WEIGHTS).sum(axis=1)
    chars[:, 17] = _ALPHABET_BYTES[(31 - total % 31) % 31]
    return _ascii_strings(chars)


def trade_names(index: IntArray, offsets: Sequence[int]) -> pa.Array:
    """Distinct trade names (字号): two characters for the first firms, then three."""
    short = index < TWO_CHARACTER_NAMES
    code = np.where(
        short,
        _permute(np.where(short, index, 0), 2, offsets),
        _permute(np.where(short, 0, index - TWO_CHARACTER_NAMES), 3, offsets),
    )
    first = pa.array(code % _K)
    second = pa.array((code // _K) % _K)
    third = pa.array(np.where(short, _K, code // (_K * _K)))
    return pc.binary_join_element_wise(
        _TRADE_POOL.take(first), _TRADE_POOL.take(second), _TRADE_POOL.take(third), ""
    )


# ---------------------------------------------------------------------------------------------
# Boundary cases as arrays: value[case, year slot] and whether the case sets the column.


@dataclass(frozen=True)
class _Overrides:
    values: dict[str, IntArray]
    present: dict[str, BoolArray]
    industry: IntArray  # industry index per case, -1 = keep the drawn one


def _overrides(years: int) -> _Overrides:
    cases = boundaries.CASES
    columns = sorted({c for case in cases for c in case.facts})
    values = {c: np.zeros((len(cases), years), dtype=np.int64) for c in columns}
    present = {c: np.zeros(len(cases), dtype=bool) for c in columns}
    for i, case in enumerate(cases):
        for column, value in case.facts.items():
            series = value if isinstance(value, tuple) else (value,)
            for slot in range(years):
                # Align a history to the last years; earlier years repeat its first value.
                position = len(series) - years + slot
                values[column][i, slot] = series[max(position, 0)]
            present[column][i] = True
    industry = np.array([_IND_INDEX[c.industry_code] if c.industry_code else -1 for c in cases])
    return _Overrides(values, present, industry)


# ---------------------------------------------------------------------------------------------
# Version 2 facts (data contract "Version 2 columns").


class _Version2:
    """Awards, contest ranks, honours, the SRDI development score, 六基 and titles of one chunk.

    Rates are plausible for Shanghai, not statistics: national S&T awards go to a few dozen
    enterprises a year (mostly large technology firms), provincial awards to several hundred;
    a small share of young technology firms is ranked in 创客中国 (ranks up to 1000, so that the
    500 and 50 lines fall inside); the platform has assessed the development score of about a
    third of the technology firms in a niche; titles follow the facts their standards read.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        exists: BoolArray,
        tech: BoolArray,
        big: BoolArray,
        age: IntArray,
        manufacturing: BoolArray,
        ip1: IntArray,
        niche: IntArray,
    ):
        self.rng = rng
        n, width = exists.shape
        self.exists, self.tech, self.niche = exists, tech, niche

        def ranks(rate: FloatArray) -> IntArray:
            won = (rng.random((n, width)) < rate[:, None]) & exists
            rank = np.minimum(rng.geometric(0.35, (n, width)), 15)
            return np.where(won, rank, 0).astype(np.int64)

        national = ranks(np.where(tech, np.where(big, 0.004, 0.0001), 0.0))
        provincial = ranks(np.where(tech, np.where(big, 0.03, 0.0015), 0.0002))
        entrant = tech & (age[:, -1] < 10)
        entered = (rng.random((n, width)) < np.where(entrant, 0.01, 0.0)[:, None]) & exists
        makers = np.where(entered, rng.integers(1, 1001, (n, width)), 0).astype(np.int64)
        self.ranks = {
            "award_national_rank": national,
            "award_provincial_rank": provincial,
            "makers_china_rank": makers,
        }
        demo = (rng.random(n) < np.where(big & manufacturing & tech, 0.02, 0.0))[:, None]
        ip_demo = (rng.random(n) < np.where(tech & (ip1[:, -1] >= 5), 0.05, 0.0))[:, None]
        six = rng.random(n) < np.where(tech, np.where(manufacturing, 0.25, 0.05), 0.005)
        self.flags: dict[str, BoolArray] = {
            "tech_innovation_demo": np.broadcast_to(demo, (n, width)),
            "ip_demo_enterprise": np.broadcast_to(ip_demo, (n, width)),
            "six_basics_or_key_link": np.broadcast_to(six[:, None], (n, width)),
        }
        self.assessed = tech & (niche[:, -1] >= 2) & (rng.random(n) < 0.35)
        level = np.clip(55 + 12 * rng.standard_normal(n) + 5 * (ip1[:, -1] >= 4), 5, 97)
        self._level = level[:, None] + rng.normal(0.0, 2.0, (n, width))

    def score_hundredths(self) -> IntArray:
        """The development score in hundredths of a point (two decimals), 0..100."""
        hundredths: IntArray = np.rint(np.clip(self._level, 0, 100) * 100).astype(np.int64)
        return hundredths

    def titles(
        self, employees: IntArray, revenue: IntArray, assets: IntArray, is_hnte: BoolArray
    ) -> None:
        """科技型 (the size limits of 国科发政〔2017〕115号), 创新型, 专精特新 titles per year."""
        rng = self.rng
        n = len(self.tech)
        ceiling = _fen(np.array(2e8))
        small = (employees <= 500) & (revenue <= ceiling) & (assets <= ceiling)
        tsme = self.tech[:, None] & small & (rng.random(n) < 0.7)[:, None]
        innovative = (self.tech[:, None] | is_hnte) & (rng.random(n) < 0.35)[:, None]
        srdi = (
            innovative
            & (self.niche >= 2)
            & (revenue >= _fen(np.array(1e7)))
            & (rng.random(n) < 0.4)[:, None]
        )
        self.flags.update(is_tsme=tsme, is_innovative_sme=innovative, is_srdi_sme=srdi)


# ---------------------------------------------------------------------------------------------
# One chunk.


def _fen(yuan: FloatArray) -> IntArray:
    """Round a float draw to whole fen once; from here on amounts are integers."""
    fen: IntArray = np.rint(yuan * 100).astype(np.int64)
    return fen


def _share(parent: IntArray, share: FloatArray) -> IntArray:
    """floor(parent * share) in fen, never above parent (share is clipped to 0..1)."""
    part = np.floor(parent * np.clip(share, 0.0, 1.0)).astype(np.int64)
    capped: IntArray = np.minimum(part, parent)
    return capped


class _Chunk:
    """The arrays of one chunk of firms; `build()` returns its RecordBatch."""

    def __init__(self, start: int, count: int, years: Sequence[int], seed: int, number: int):
        self.start = start
        self.n = count
        self.years = np.asarray(years, dtype=np.int64)
        self.rng = np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(number,)))
        )
        state = np.random.SeedSequence(seed).generate_state(len(_SPACES), dtype=np.uint64)
        self.offsets = [int(s % space) for s, space in zip(state, _SPACES, strict=True)]
        self.over = _overrides(len(years))

    def _yearly(self, sd: float) -> FloatArray:
        """Per-firm-year noise, shape (n, years), mean 0."""
        return self.rng.normal(0.0, sd, (self.n, len(self.years)))

    def _apply(self, column: str, values: IntArray) -> IntArray:
        """Overwrite a per-year column with the boundary case values of the firms that have one."""
        if column not in self.over.values:
            return values
        mine = self.over.present[column][self.case_of_row]
        values[self.boundary_rows[mine]] = self.over.values[column][self.case_of_row[mine]]
        return values

    def _apply_flag(self, column: str, values: BoolArray) -> BoolArray:
        """`_apply` for a boolean column (cases give 0/1); `values` may be a broadcast view."""
        widened = np.array(np.broadcast_to(values, (self.n, len(self.years))), dtype=np.int64)
        flags: BoolArray = self._apply(column, widened) != 0
        return flags

    def _sets(self, column: str) -> BoolArray:
        """Which firms of the chunk have a boundary case that sets `column`."""
        found = np.zeros(self.n, dtype=bool)
        if column in self.over.present:
            found[self.boundary_rows] = self.over.present[column][self.case_of_row]
        return found

    @staticmethod
    def _innovation_points(
        ip1: IntArray,
        ip2: IntArray,
        transformations: IntArray,
        revenue: IntArray,
        exists: BoolArray,
    ) -> IntArray:
        """The data part of the HNTE innovation score (工作指引 四（三）), approximately.

        Experts add at most 50 of the 100 points and the total must exceed 70, so a holder
        needs more than 20 from data: IP quantity, transformations (three-year average) and
        revenue growth (here the last year's only).
        """
        ip = np.where(ip1 >= 1, 7, np.select([ip2 >= 5, ip2 >= 3, ip2 >= 1], [5, 3, 1], 0))

        def last_three(values: np.ndarray) -> np.ndarray:
            total = np.cumsum(values, axis=1)
            window = total.copy()
            window[:, 3:] = total[:, 3:] - total[:, :-3]
            return window

        done = last_three(np.where(exists, transformations, 0))
        average = done / np.maximum(last_three(exists.astype(np.int64)), 1)
        bands = [average >= 5, average >= 4, average >= 3, average >= 2, average >= 1]
        transferred = np.select(bands, [25, 19, 13, 7, 1], 0)
        previous = np.concatenate([revenue[:, :1], revenue[:, :-1]], axis=1)
        growth = np.where(previous > 0, revenue / np.maximum(previous, 1) - 1, 0.0)
        grown = np.select(
            [growth >= 0.35, growth >= 0.25, growth >= 0.15, growth >= 0.05, growth > 0],
            [9, 7, 5, 3, 1],
            0,
        )
        return np.asarray(ip + transferred + grown)

    def build(self) -> pa.RecordBatch:
        rng, n, years = self.rng, self.n, self.years
        width = len(years)
        first, last = int(years[0]), int(years[-1])

        # Who they are: industry, place, boundary case.
        industry = rng.choice(len(_IND_P), size=n, p=_IND_P)
        district = rng.choice(len(_DISTRICT_P), size=n, p=_DISTRICT_P)
        park_draw = (rng.random(n)[:, None] >= _PARK_CUMULATIVE[district]).sum(axis=1)
        has_park = park_draw < _PARK_COUNT[district]
        park = np.where(has_park, _PARK_OFFSET[district] + park_draw, 0)

        cases = len(boundaries.CASES)
        boundary_count = min(max(math.ceil(boundaries.BOUNDARY_SHARE * n), cases), n // 2)
        self.boundary_rows = np.sort(rng.choice(n, size=boundary_count, replace=False))
        self.case_of_row = rng.permutation(boundary_count) % cases
        boundary = np.zeros(n, dtype=bool)
        boundary[self.boundary_rows] = True
        case_industry = self.over.industry[self.case_of_row]
        fixed = case_industry >= 0
        industry[self.boundary_rows[fixed]] = case_industry[fixed]
        group = _IND_GROUP[industry]

        # Founding: 1995 .. last year, recent years more likely (growth of the population).
        start_year = min(1995, first - 3)
        span = np.arange(start_year, last + 1)
        founded_year = rng.choice(span, size=n, p=_normalised(np.exp(0.045 * (span - span[0]))))
        # Boundary firms exist in every requested year and are at least a year old.
        early = rng.integers(min(2005, first - 2), first - 1, size=n)
        founded_year = np.where(boundary, np.minimum(founded_year, early), founded_year)
        jan1 = (founded_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        days = (founded_year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - jan1
        founded_on = jan1 + (rng.random(n) * days.astype(np.int64)).astype(np.int64)
        exists = founded_year[:, None] <= years[None, :]
        age = np.maximum(years[None, :] - founded_year[:, None], 0)
        age_last = age[:, -1]

        tech = (rng.random(n) < _G_TECH[group]) | boundary
        pre_revenue = (rng.random(n) < _G_PRE_REVENUE[group]) & (age_last < 8) & ~boundary

        # Revenue: lognormal level for the last year, a per-firm growth rate, yearly noise.
        level = _G_REVENUE[group] + _G_SPREAD[group] * rng.standard_normal(n)
        level += 0.5 * np.log(np.minimum(age_last + 1, 10) / 10)
        growth = np.where(tech, 0.10, 0.04) + 0.15 * rng.standard_normal(n)
        noise = 0.12 * rng.standard_normal((n, width))
        log_revenue = np.empty((n, width))
        log_revenue[:, -1] = level
        for j in range(width - 2, -1, -1):
            log_revenue[:, j] = log_revenue[:, j + 1] - growth - noise[:, j + 1]
        revenue = _fen(np.minimum(np.exp(log_revenue), MAX_REVENUE_YUAN))
        revenue[pre_revenue] = 0
        revenue = self._apply("revenue", revenue)
        revenue_yuan = revenue / 100.0

        # People.
        productivity = _G_PER_EMPLOYEE[group] + 0.5 * rng.standard_normal(n)
        employees = np.rint(
            revenue_yuan / np.exp(productivity)[:, None] * np.exp(self._yearly(0.08))
        )
        starters = 3 + rng.poisson(12, n)
        employees = np.where(pre_revenue[:, None], starters[:, None], employees)
        employees = self._apply("employees", np.clip(employees, 1, 300_000).astype(np.int64))
        st_share = np.where(tech, rng.beta(4, 6, n), rng.beta(1.2, 12, n))
        st_staff = np.floor(employees * np.clip(st_share[:, None] + self._yearly(0.02), 0, 1))
        st_staff = np.minimum(self._apply("st_staff", st_staff.astype(np.int64)), employees)
        rd_staff = np.floor(st_staff * rng.beta(5, 3, n)[:, None]).astype(np.int64)
        rd_staff = np.minimum(self._apply("rd_staff", rd_staff), employees)

        # Shares of revenue.
        main_share = 1 - rng.beta(1, 12, n)
        main_business = self._apply("main_business_revenue", _share(revenue, main_share[:, None]))
        main_business = np.minimum(main_business, revenue)
        hightech_share = np.where(tech, rng.beta(6, 2, n), 0.0)
        hightech = self._apply("hightech_revenue", _share(revenue, hightech_share[:, None]))
        hightech = np.minimum(hightech, revenue)

        # R&D: intensity by group for technology firms; little or none for the rest.
        intensity = np.where(
            tech,
            np.exp(_G_RD[group] + 0.6 * rng.standard_normal(n)),
            np.where(
                rng.random(n) < 0.5, 0.0, np.exp(np.log(0.008) + 0.8 * rng.standard_normal(n))
            ),
        )
        intensity = np.minimum(intensity, 0.9)[:, None] * np.exp(self._yearly(0.1))
        rd = _share(revenue, intensity)
        pre_rd = _fen(employees * 2.5e5 * np.exp(0.4 * rng.standard_normal(n))[:, None])
        rd = np.where(pre_revenue[:, None], pre_rd, rd)
        rd = self._apply("rd_expense", rd)
        domestic_share = np.where(rng.random(n) < 0.8, 1.0, rng.uniform(0.4, 1.0, n))
        domestic = self._apply("rd_expense_domestic", _share(rd, domestic_share[:, None]))
        domestic = np.minimum(domestic, rd)
        cost_ratio = rng.uniform(0.7, 1.05, n)[:, None] * np.exp(self._yearly(0.05))
        cost = np.floor(revenue * cost_ratio).astype(np.int64) + rd
        cost = np.where(pre_revenue[:, None], rd + _fen(employees * 2e5), cost)

        # Balance sheet.
        asset_ratio = np.exp(0.6 * rng.standard_normal(n))[:, None]
        assets = np.floor(np.maximum(revenue, cost) * asset_ratio * np.exp(self._yearly(0.1)))
        assets = self._apply("total_assets", np.minimum(assets, 1e15).astype(np.int64))
        debt = np.where(rng.random(n) < 0.04, rng.uniform(1.0, 1.6, n), rng.beta(2, 3, n))
        debt_yearly = debt[:, None] * np.exp(self._yearly(0.05))
        liabilities = np.floor(assets * debt_yearly).astype(np.int64)
        liabilities = self._apply("total_liabilities", liabilities)

        # IP stocks grow with age; R&D drives how many.
        rd_last = rd[:, -1] / 100.0
        lam1 = np.where(tech, 0.2 + 3.0 * (rd_last / 5e6) ** 0.6, 0.05)
        lam2 = np.where(tech, 1.0 + 2.0 * lam1, 0.3)
        growth_path = ((age + 1) / (age_last[:, None] + 1)) ** 0.7
        ip1 = self._apply(
            "ip_class1",
            np.floor(rng.poisson(np.minimum(lam1, 5e3))[:, None] * growth_path).astype(np.int64),
        )
        ip2 = self._apply(
            "ip_class2",
            np.floor(rng.poisson(np.minimum(lam2, 1e4))[:, None] * growth_path).astype(np.int64),
        )
        # Transformations follow the IP stock; technology firms with patents transform several
        # a year, which is what lifts the HNTE innovation score above its floor for many of them.
        transformation_rate = np.where(tech, 1.5, 0.02)[:, None] + ip1 / 2.0 + ip2 / 5.0
        transformations = self._apply(
            "transformations", rng.poisson(np.minimum(transformation_rate, 1e3) * (ip1 + ip2 > 0))
        )

        # Equity: mostly none; young technology firms raise now and then, some raise a lot.
        raise_p = 0.02 + 0.10 * (tech & (age_last < 8))
        raised = (rng.random((n, width)) < raise_p[:, None]) & exists
        rounds = np.rint(np.exp(np.log(2e7) + 1.1 * rng.standard_normal((n, width))) / 1e4) * 1e4
        equity = self._apply("equity_financing", np.where(raised, _fen(rounds), 0))
        prior = np.where(rng.random(n) < raise_p * 2, _fen(np.rint(rounds[:, 0] / 2e4) * 1e4), 0)
        funded = prior[:, None] + np.cumsum(equity, axis=1)
        multiple = np.exp(np.log(6.0) + 0.5 * rng.standard_normal(n))[:, None]
        valuation = np.minimum(np.floor(funded * multiple / 1e6) * 1e6, 1e16).astype(np.int64)

        niche_lag = rng.geometric(0.4, n) - 1
        niche = self._apply("niche_years", np.maximum(age - niche_lag[:, None], 0))
        has_share = rng.random(n) < 0.6
        share_micro = np.minimum(np.exp(np.log(0.02) + rng.standard_normal(n)), 1.0)[:, None]
        share_micro = np.rint(
            np.clip(share_micro * np.exp(self._yearly(0.05)), 0.0, 1.0) * 10**RATIO_DECIMALS
        ).astype(np.int64)
        share_micro = self._apply("market_share", share_micro)
        has_share = has_share | self._sets("market_share")

        # Listing: large firms far more often; the IPO may fall inside the requested years.
        big = revenue[:, -1] > _fen(np.array(2e8))
        huge = revenue[:, -1] > _fen(np.array(1e9))
        listed_p = np.where(huge, 0.25, np.where(big, 0.04, 0.0005))
        listed_firm = (rng.random(n) < listed_p) & ~boundary
        ipo_slot = rng.integers(-2, width, n)
        listed = listed_firm[:, None] & (np.arange(width)[None, :] >= ipo_slot[:, None])
        board = rng.choice(len(LISTING_BOARDS), size=n, p=LISTING_SHARES)
        valuation = np.where(listed, np.minimum(revenue * 10, 10**17), valuation)
        has_valuation = (funded > 0) | listed

        manufacturing = _IND_MANUFACTURING[industry]
        output = np.floor(revenue * rng.uniform(0.85, 1.15, (n, width))).astype(np.int64)

        # Rare flags; boundary firms are clean so their threshold alone decides.
        clean = ~boundary[:, None]
        award = (rng.random(n) < np.where(big, 0.03, 0.003))[:, None] & tech[:, None]
        institution = (rng.random(n) < np.where(big, 0.15, 0.02))[:, None] & tech[:, None]
        institution = self._apply_flag("provincial_rd_institution", institution)
        standard = (rng.random(n) < np.where(big, 0.08, 0.01))[:, None]
        accident = (rng.random((n, width)) < 0.002) & clean
        misconduct = (rng.random((n, width)) < 0.001) & clean
        abnormal = (rng.random(n) < 0.02)[:, None] & (rng.random((n, width)) < 0.6) & clean
        dishonest = (rng.random(n) < 0.003)[:, None] & clean
        resident = (rng.random(n) < 0.995) | boundary

        # HNTE holders: most firms meeting the quantitative conditions, a few that do not.
        meets = (
            (age >= 1)
            & (st_staff * 10 >= employees)
            & (revenue > 0)
            & (rd * 100 >= revenue * np.where(revenue <= 5e9, 5, np.where(revenue <= 2e10, 4, 3)))
            & (domestic * 10 >= rd * 6)
            & (hightech * 10 >= revenue * 6)
            & (ip1 + ip2 >= 1)
            & (self._innovation_points(ip1, ip2, transformations, revenue, exists) > 20)
        )
        holder = rng.random(n)[:, None]
        is_hnte = (meets & (holder < 0.85)) | (~meets & tech[:, None] & (holder > 0.98))
        is_hnte = self._apply_flag("is_hnte", is_hnte)

        # Rows: firm by firm, year by year, only years the firm existed.
        firm, slot = np.nonzero(exists)
        rows = len(firm)

        def per_year(values: np.ndarray) -> np.ndarray:
            picked: np.ndarray = values[firm, slot]
            return picked

        def known(column: str) -> BoolArray | None:
            rate = UNKNOWN_SHARE.get(column)
            if rate is None:
                return None
            return (rng.random(rows) >= rate) | boundary[firm]

        def money(column: str, values: IntArray, valid: BoolArray | None = None) -> pa.Array:
            unknown_ok = known(column)
            mask = (
                unknown_ok
                if valid is None
                else (valid if unknown_ok is None else valid & unknown_ok)
            )
            return decimal_array(per_year(values), mask, 2)

        def count(column: str, values: IntArray) -> pa.Array:
            mask = known(column)
            return pa.array(per_year(values).astype(np.int64), mask=None if mask is None else ~mask)

        def flag(column: str, values: BoolArray) -> pa.Array:
            mask = known(column)
            return pa.array(per_year(values), mask=None if mask is None else ~mask)

        liabilities_known = known("total_liabilities")
        liabilities_valid = np.ones(rows, bool) if liabilities_known is None else liabilities_known
        index = self.start + np.arange(n, dtype=np.int64)
        district_codes = _DISTRICT_CODES[district]
        uscc = uscc_codes(index, district_codes, founded_year >= NEW_CODES_FROM_YEAR, self.offsets)
        suffix = pa.array(np.where(listed_firm, "股份有限公司", "有限公司"))
        name = pc.binary_join_element_wise(
            "上海",
            trade_names(index, self.offsets),
            _IND_WORDS.take(pa.array(industry)),
            suffix,
            "",
        )
        firm_index = pa.array(firm)
        columns: dict[str, pa.Array] = {
            "uscc": uscc.take(firm_index),
            "name": name.take(firm_index),
            "year": pa.array(per_year(np.broadcast_to(years.astype(np.int32), (n, width)))),
            "district": pa.array(district_codes[firm], pa.string()),
            "park": _PARK_NAMES.take(pa.array(park[firm], mask=~has_park[firm])),
            "industry_code": _IND_CODES.take(pa.array(industry[firm])),
            "founded_on": pa.array(founded_on[firm], pa.date32()),
            "mainland_resident": pa.array(resident[firm]),
            "employees": count("employees", employees),
            "st_staff": count("st_staff", st_staff),
            "rd_staff": count("rd_staff", rd_staff),
            "revenue": money("revenue", revenue),
            "main_business_revenue": money("main_business_revenue", main_business),
            "cost_expense_total": money("cost_expense_total", cost),
            "total_assets": money("total_assets", assets),
            "total_liabilities": decimal_array(per_year(liabilities), liabilities_valid, 2),
            "net_assets": decimal_array(per_year(assets - liabilities), liabilities_valid, 2),
            "rd_expense": money("rd_expense", rd),
            "rd_expense_domestic": money("rd_expense_domestic", domestic),
            "hightech_revenue": money("hightech_revenue", hightech),
            "ip_class1": count("ip_class1", ip1),
            "ip_class2": count("ip_class2", ip2),
            "transformations": count("transformations", transformations),
            "equity_financing": money("equity_financing", equity),
            "niche_years": count("niche_years", niche),
            "market_share": decimal_array(per_year(share_micro), has_share[firm], 6),
            "is_hnte": flag("is_hnte", is_hnte),
            "national_award_5y": flag("national_award_5y", np.broadcast_to(award, (n, width))),
            "provincial_rd_institution": flag(
                "provincial_rd_institution", np.broadcast_to(institution, (n, width))
            ),
            "led_standard_5y": flag("led_standard_5y", np.broadcast_to(standard, (n, width))),
            "major_accident": flag("major_accident", accident),
            "misconduct": flag("misconduct", misconduct),
            "abnormal_list": flag("abnormal_list", abnormal),
            "dishonest_list": flag("dishonest_list", np.broadcast_to(dishonest, (n, width))),
            "listed_board": pa.array(np.array(LISTING_BOARDS)[board[firm]], mask=~per_year(listed)),
            "valuation": money("valuation", valuation, per_year(has_valuation)),
            "output_value": money("output_value", output, manufacturing[firm]),
        }
        # Version 2 facts, drawn last so that every earlier column of a seed stays as it was.
        facts = _Version2(rng, exists, tech, big, age, manufacturing, ip1, niche)
        facts.titles(employees, revenue, assets, is_hnte)
        score_hundredths = self._apply("development_score", facts.score_hundredths())
        scored = facts.assessed | boundary
        for column in ("award_national_rank", "award_provincial_rank", "makers_china_rank"):
            columns[column] = count(column, self._apply(column, facts.ranks[column]))
        for column, values in facts.flags.items():
            columns[column] = flag(column, self._apply_flag(column, values))
        columns["development_score"] = decimal_array(
            per_year(score_hundredths * 10**4),
            per_year(np.broadcast_to(scored[:, None], (n, width))),
            6,
        )
        schema = panel_arrow_schema()
        return pa.RecordBatch.from_arrays([columns[c] for c in COLUMNS], schema=schema)


# ---------------------------------------------------------------------------------------------
# Public API.


class GeneratorError(ValueError):
    """Arguments the generator cannot honour (the message says which and why)."""


def check_arguments(enterprises: int, years: Sequence[int]) -> None:
    if enterprises < 1:
        raise GeneratorError("the number of enterprises must be at least 1")
    if enterprises > MAX_ENTERPRISES:
        raise GeneratorError(f"at most {MAX_ENTERPRISES:,} enterprises (distinct codes and names)")
    if not years:
        raise GeneratorError("no years requested")
    if list(years) != list(range(years[0], years[-1] + 1)):
        raise GeneratorError("years must be consecutive")


def generate_batches(
    enterprises: int, years: Sequence[int], seed: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[pa.RecordBatch]:
    """The population as RecordBatches, one per chunk of `chunk_size` enterprises.

    Pure: the output depends only on the arguments (chunk_size included, since each chunk has
    its own random stream).
    """
    check_arguments(enterprises, years)
    for number, start in enumerate(range(0, enterprises, chunk_size)):
        count = min(chunk_size, enterprises - start)
        yield _Chunk(start, count, years, seed, number).build()


@dataclass(frozen=True)
class Written:
    path: Path
    enterprises: int
    rows: int


def write_panel(
    path: Path,
    enterprises: int,
    years: Sequence[int],
    seed: int,
    on_chunk: Callable[[int], None] | None = None,
) -> Written:
    """Write the population to `path` (.parquet, .csv or .xlsx by extension).

    `on_chunk(enterprises_done)` is called after each chunk (progress reporting).
    """
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise GeneratorError(f"{path.name}: the output must be .parquet, .csv or .xlsx")
    if suffix == ".xlsx" and enterprises > XLSX_MAX_ENTERPRISES:
        raise GeneratorError(f".xlsx is for at most {XLSX_MAX_ENTERPRISES:,} enterprises")
    check_arguments(enterprises, years)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed run never leaves a half file behind.
    partial = path.with_name(path.name + ".partial")
    rows = 0
    done = 0
    schema = panel_arrow_schema()
    writer = _open_writer(partial, suffix, schema)
    try:
        for batch in generate_batches(enterprises, years, seed):
            writer.write(batch)
            rows += batch.num_rows
            done = min(done + CHUNK_SIZE, enterprises)
            if on_chunk is not None:
                on_chunk(done)
    finally:
        writer.close()
    partial.replace(path)
    return Written(path, enterprises, rows)


class _Writer(Protocol):
    """What the panel writers for each file format have in common."""

    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


class _ArrowWriter(_Writer):
    def __init__(self, path: Path, suffix: str, schema: pa.Schema):
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            # DECIMAL(18,2) as INT64 rather than fixed-length bytes: much faster to decode.
            self.inner: object = pq.ParquetWriter(
                path, schema, compression="zstd", store_decimal_as_integer=True
            )
        else:
            import pyarrow.csv as pacsv

            self.inner = pacsv.CSVWriter(path, schema)
        self.parquet = suffix == ".parquet"
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        if self.parquet:
            # Row groups of at most ROW_GROUP_ROWS, each of one year (the chunk's rows year by
            # year): readers decode them in parallel, and a screening reads each year on its
            # own (engines: the years joined side by side), so the min/max statistics of
            # `year` let it skip the other years' row groups instead of decoding them.
            for part in by_year(batch):
                self.inner.write_batch(part, row_group_size=ROW_GROUP_ROWS)  # type: ignore[attr-defined]
        else:
            self.inner.write_batch(batch)  # type: ignore[attr-defined]
        self.rows += batch.num_rows

    def close(self) -> None:
        if self.parquet:
            # Codes are distinct by construction: screening may skip its duplicate-key scan.
            flag = json.dumps({"keys": ["uscc", "year"], "rows": self.rows})
            metadata = {"kechuang.unique_keys": flag}
            self.inner.add_key_value_metadata(metadata)  # type: ignore[attr-defined]
        self.inner.close()  # type: ignore[attr-defined]


class _XlsxWriter(_Writer):
    """First sheet, header row; amounts as exact Decimal cells, dates as dates, text as strings
    (domain.spreadsheet: never a formula, whatever a name starts with)."""

    def __init__(self, path: Path, schema: pa.Schema):
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("panel")
        self.sheet.append(self._cells(schema.names))

    def _cells(self, values: Sequence[object]) -> list[object]:
        from openpyxl.cell import WriteOnlyCell

        text = [WriteOnlyCell(self.sheet, v) for v in values if isinstance(v, str)]
        keep_text(text)
        cells = iter(text)
        return [next(cells) if isinstance(v, str) else v for v in values]

    def write(self, batch: pa.RecordBatch) -> None:
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            self.sheet.append(self._cells(row))

    def close(self) -> None:
        self.book.save(self.path)


def _open_writer(path: Path, suffix: str, schema: pa.Schema) -> _Writer:
    if suffix == ".xlsx":
        return _XlsxWriter(path, schema)
    return _ArrowWriter(path, suffix, schema)
