"""Gettext catalogs (one folder per language) and each language's question keywords.

A package only so that the catalogs travel with the installed bot as package data
(`bot.i18n` finds them through `importlib.resources`); it holds no code.
"""
