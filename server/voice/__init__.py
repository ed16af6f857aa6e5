"""Spoken calls, made offline on the server: a chime, then the number and the counter."""
