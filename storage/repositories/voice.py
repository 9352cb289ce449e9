"""Voice answers: a consultant's recording or a cached synthesis per topic and language."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import VoiceAnswer

RECORDING = "recording"
SYNTHESIS = "synthesis"


async def get(session: AsyncSession, topic: str, language: str, kind: str
              ) -> VoiceAnswer | None:
    return await session.scalar(select(VoiceAnswer).where(
        VoiceAnswer.topic == topic, VoiceAnswer.language == language, VoiceAnswer.kind == kind))


async def of_kind(session: AsyncSession, kind: str) -> list[VoiceAnswer]:
    rows = await session.scalars(select(VoiceAnswer).where(VoiceAnswer.kind == kind)
                                 .order_by(VoiceAnswer.topic, VoiceAnswer.language))
    return list(rows)


async def put(session: AsyncSession, *, topic: str, language: str, kind: str, file_id: str,
              text_hash: str, consultant_id: int | None = None) -> VoiceAnswer:
    """Keep this file for the topic and language, replacing the one of the same kind."""
    row = await get(session, topic, language, kind)
    if row is None:
        row = VoiceAnswer(topic=topic, language=language, kind=kind)
        session.add(row)
    row.file_id, row.text_hash, row.consultant_id = file_id, text_hash, consultant_id
    row.made_at = datetime.now(UTC)
    await session.flush()
    return row
