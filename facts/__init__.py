"""The library's facts files; `dalfsen.toml` is the default (`LIBRARY_FACTS_PATH`).

A package only so that the file travels with the installed bot as package data
(`bot.config` finds it through `importlib.resources`); it holds no code.
"""
