# mypy: ignore-errors
# (the service's own dependencies are in its image, not in Slipway's venv)
"""The HTTP API: items in a database, and a forecast of demand from their history."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException
from sklearn.linear_model import LinearRegression
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.build_info import COMMIT
from app.models import Base, Item, ItemIn, ItemOut

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///./inventory.db"))
Base.metadata.create_all(engine)
app = FastAPI(title="inventory", version=COMMIT[:7])


def session() -> Iterator[Session]:
    """One database session per request."""
    with Session(engine) as current:
        yield current


@app.get("/healthz")
def health() -> dict[str, str]:
    """Liveness, and which commit runs."""
    return {"status": "ok", "commit": COMMIT}


@app.post("/items", response_model=ItemOut, status_code=201)
def add_item(item: ItemIn, db: Session = Depends(session)) -> Item:  # noqa: B008
    """Stock a new item."""
    row = Item(**item.model_dump())
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


@app.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: int, db: Session = Depends(session)) -> Item:  # noqa: B008
    """One item, or 404."""
    row = db.get(Item, item_id)
    if row is None:
        raise HTTPException(status_code=404, detail="no such item")
    return row


@app.get("/items")
def list_items(db: Session = Depends(session)) -> list[ItemOut]:  # noqa: B008
    """Every item, by name."""
    rows = db.scalars(select(Item).order_by(Item.name)).all()
    return [ItemOut.model_validate(row, from_attributes=True) for row in rows]


@app.post("/forecast")
def forecast(history: list[float], days: int = 7) -> dict[str, list[float]]:
    """Demand for the next ``days`` days, by a linear trend over ``history``."""
    if len(history) < 2:
        raise HTTPException(status_code=422, detail="need two days of history at least")
    frame = pd.DataFrame({"day": np.arange(len(history)), "demand": history})
    model = LinearRegression().fit(frame[["day"]], frame["demand"])
    ahead = pd.DataFrame({"day": np.arange(len(history), len(history) + days)})
    return {"forecast": [round(float(v), 2) for v in model.predict(ahead)]}
