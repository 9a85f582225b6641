"""The append-only audit log (PIPL Art.51): who changed what, when, from what to what."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import AuditEntry


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def record(
    session: Session,
    user: str,
    action: str,
    entity: str,
    entity_id: str | None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    session.add(
        AuditEntry(
            at=clock.now(),
            user=user or "",
            action=action,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old=_text(old),
            new=_text(new),
        )
    )


def history(session: Session, entity: str, entity_id: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id)
        )
    )
