"""The outbox relay's way to Telegram: one Bot API call, its errors sorted into the relay's
three kinds (wait, try again later, give up). The relay itself knows nothing of Telegram."""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.outbox import Permanent, Sender, Transient
from bot.outbox import RetryAfter as OutboxRetryAfter
from bot.replies import retry_seconds


def telegram_sender(bot: Bot, timeout: float) -> Sender:
    async def send(method: str, payload: dict[str, Any]) -> None:
        try:
            await bot.do_api_request(method, api_kwargs=dict(payload), read_timeout=timeout)
        except RetryAfter as err:
            raise OutboxRetryAfter(retry_seconds(err)) from err
        except (Forbidden, BadRequest) as err:  # blocked, chat gone, message refused
            raise Permanent(str(err)) from err
        except TelegramError as err:  # network trouble, timeouts, 5xx
            raise Transient(str(err)) from err

    return send
