"""Tests for the ticket printers."""
