"""统一社会信用代码 (USCC), GB 32100-2015: 18 characters whose last is a check digit.

python-stdnum implements the standard; this module gives the rest of Kechuang one small API
and a masked form for public notices (公示).
"""

from __future__ import annotations

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError


class InvalidUSCC(ValueError):
    """The text is not a valid USCC; the message says why."""


def normalise(text: str) -> str:
    """Upper-case and strip spaces and dashes, as people type the code."""
    return str(_uscc.compact(text))


def validate(text: str) -> str:
    """Return the compact code, or raise InvalidUSCC naming the problem."""
    code = normalise(text)
    try:
        return str(_uscc.validate(code))
    except ValidationError as exc:
        if len(code) != 18:
            raise InvalidUSCC(f"a USCC has 18 characters, this has {len(code)}") from exc
        reason = exc.message if hasattr(exc, "message") else str(exc)
        raise InvalidUSCC(f"not a valid USCC (GB 32100-2015): {reason}") from exc


def is_valid(text: str) -> bool:
    return bool(_uscc.is_valid(text))


def check_digit(first_17: str) -> str:
    """The 18th character for the first 17 (used by the synthetic population generator)."""
    return str(_uscc.calc_check_digit(first_17))


def mask(code: str) -> str:
    """A public-notice form that keeps the registration authority and the last four characters."""
    return code[:6] + "*" * 8 + code[-4:]
