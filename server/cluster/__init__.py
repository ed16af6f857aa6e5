"""A central deployment: several server processes on one PostgreSQL database, each site's
live queue owned by one of them at a time (leases.py, member.py), requests for a site passed to
its owner (forward.py), and Socket.IO pushes shared through Redis (fanout.py, join.py)."""
