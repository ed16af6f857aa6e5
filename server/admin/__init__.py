"""The admin page (/admin/): log in, create accounts, pair devices, revoke them, read the log."""

from .views import bp

__all__ = ["bp"]
