"""Biomedicine tables: innovative drugs and devices (创新药械) and their hospital admissions.

An admission keeps the working days from its start (the product's approval, or its national
list publication when later) to the hospital's listing, computed once with domain.workdays when
stored, and whether the count crossed a year whose holiday schedule was not yet published.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base


class Product(Base):
    """A 1类创新药 or 第三类创新医疗器械, with its approval and holder."""

    __tablename__ = "stats_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # drug | device
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    approved_on: Mapped[dt.date] = mapped_column(Date)
    holder_name: Mapped[str] = mapped_column(Text)
    holder_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    # Publication of the national list (国家医保药品目录 / 创新产品目录) that named it, if any.
    national_list_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Admission(Base):
    """A hospital's listing of a product (创新药入院), with the working days it took."""

    __tablename__ = "stats_admissions"
    __table_args__ = (UniqueConstraint("product_id", "hospital_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("stats_products.id"), index=True)
    hospital_code: Mapped[str] = mapped_column(String(32))
    hospital_name: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    listed_on: Mapped[dt.date] = mapped_column(Date)
    start_on: Mapped[dt.date] = mapped_column(Date)
    start_basis: Mapped[str] = mapped_column(String(16))  # approval | national_list
    workdays: Mapped[int] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
