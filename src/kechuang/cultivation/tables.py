"""Cultivation tables: certificates (labels with validity periods), incubators and tenants."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base

USCC_LENGTH = 18


class Certificate(Base):
    """A label an enterprise holds (高企证书, 专精特新认定, ...) from valid_from to valid_to."""

    __tablename__ = "cultivation_certificates"
    # A certificate number is unique within its label; re-importing a file changes nothing.
    __table_args__ = (UniqueConstraint("label", "certificate_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH), index=True)
    label: Mapped[str] = mapped_column(String(32))
    certificate_no: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # import | demo


class Incubator(Base):
    """A 孵化器 (or 众创空间) that hosts tenants."""

    __tablename__ = "cultivation_incubators"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(String(6))
    park: Mapped[str | None] = mapped_column(Text, nullable=True)
    level: Mapped[str] = mapped_column(String(16))  # national | municipal | district


class Tenant(Base):
    """An enterprise's stay in an incubator: entry, and graduation or leaving (at most one)."""

    __tablename__ = "cultivation_tenants"
    __table_args__ = (UniqueConstraint("incubator_code", "uscc", "entered_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incubator_code: Mapped[str] = mapped_column(ForeignKey("cultivation_incubators.code"))
    uscc: Mapped[str] = mapped_column(String(USCC_LENGTH), index=True)
    name: Mapped[str] = mapped_column(Text)
    entered_on: Mapped[dt.date] = mapped_column(Date)
    graduated_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    left_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
