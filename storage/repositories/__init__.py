"""Repositories: queries and writes for one aggregate each. They flush, never commit."""
