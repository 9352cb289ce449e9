"""Persistence: SQLAlchemy models, the engine, repositories and Alembic migrations.

Imports nothing of the bot's own code.
"""
