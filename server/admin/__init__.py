"""The admin page (/admin/): log in, create accounts, pair devices, revoke them, read the log,
and change a site's desks, counters, printers, kiosks and displays (/admin/sites/<id>)."""

from . import config  # noqa: F401 - the site configuration forms, on the same blueprint
from .views import bp

__all__ = ["bp"]
