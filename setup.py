"""Shim for tools that still build with ``setup.py`` (scrapyd-deploy's egg); see pyproject.toml."""

from setuptools import setup

setup()
