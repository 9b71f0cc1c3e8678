"""Loaders that bring the shipped Greater Essex data into the database.

Each loader runs in one transaction, inserts only what is missing (so a re-run adds nothing),
and returns a :class:`~skillsmatch.loaders.report.LoadReport`.
"""
