"""Who may call: staff accounts and login sessions, paired device tokens, and the audit log.

Import the submodules themselves; this package imports nothing, so that the API plumbing
(server/api/endpoints.py) and these modules may use each other without a cycle.
"""
