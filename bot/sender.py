"""The outbox relay's way to Telegram: one Bot API call, its errors sorted into the relay's
three kinds (wait, try again later, give up). The relay itself knows nothing of Telegram."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.limiter import bulk
from bot.outbox import Permanent, Sender, Transient
from bot.outbox import RetryAfter as OutboxRetryAfter
from bot.replies import retry_seconds

# The relay stores neutral Bot API calls (method and JSON), so it calls them by name on
# purpose; PTB would warn on every send that a typed method exists.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)


def telegram_sender(bot: Bot, timeout: float) -> Sender:
    async def send(method: str, payload: dict[str, Any]) -> object:
        try:
            with bulk():  # paced behind the replies (bot.limiter)
                return await bot.do_api_request(method, api_kwargs=dict(payload),
                                                read_timeout=timeout)
        except RetryAfter as err:
            raise OutboxRetryAfter(retry_seconds(err)) from err
        except BadRequest as err:
            if "message is not modified" in str(err).lower():
                return True  # an edit that changes nothing: done
            raise Permanent(str(err)) from err  # message refused, chat gone
        except Forbidden as err:  # blocked
            raise Permanent(str(err)) from err
        except TelegramError as err:  # network trouble, timeouts, 5xx
            raise Transient(str(err)) from err

    return send
