"""Command-line entry from the source tree: `python main.py run` is `bieb-bot run` (the
installed console script). The commands live in `bot/cli.py`."""

from bot.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
