"""Shipped policy packs (TOML). A package only so that setuptools ships the files."""
