#!/usr/bin/env python
"""Same as the `jingzhun` console script, for those used to manage.py."""

from jingzhun.cli import main

if __name__ == "__main__":
    main()
