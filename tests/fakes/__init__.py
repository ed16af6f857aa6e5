"""Fakes of outside things the tests talk to: a network receipt printer."""
