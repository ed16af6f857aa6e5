"""The managers' pages (/reports/): the live dashboard, the reports, the year's targets and
the site's settings, server-rendered in Japanese."""

from .pages import bp

__all__ = ["bp"]
