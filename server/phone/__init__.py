"""The phone status page a ticket's QR code opens: the number, its place, and the call."""

from .views import bp, register_phone_socket

__all__ = ["bp", "register_phone_socket"]
