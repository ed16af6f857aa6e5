"""Thermal ticket printing: layout, ESC/POS encoding, honest printing with status and failover."""
