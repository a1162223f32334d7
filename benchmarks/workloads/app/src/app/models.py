# mypy: ignore-errors
# (the service's own dependencies are in its image, not in Slipway's venv)
"""The service's tables and the shapes its API reads and writes."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The tables' base."""


class Item(Base):
    """One stocked item."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    price: Mapped[float] = mapped_column(Numeric(10, 2))
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class ItemIn(BaseModel):
    """An item as a client sends it."""

    name: str = Field(min_length=1, max_length=200)
    price: float = Field(ge=0)
    quantity: int = Field(default=0, ge=0)


class ItemOut(ItemIn):
    """An item as the service returns it."""

    id: int
