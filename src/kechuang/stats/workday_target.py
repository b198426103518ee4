"""The admission target of 沪府办〔2025〕30号: innovative drugs and devices listed by hospitals
within 15 working days of approval or of the national list's publication."""

from __future__ import annotations

TARGET_WORKDAYS = 15
DOCUMENT_NUMBER = "沪府办〔2025〕30号"
