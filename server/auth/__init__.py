"""Who may call: staff accounts and login sessions, paired device tokens and their pairing.

Import the submodules themselves; this package imports nothing.
"""
