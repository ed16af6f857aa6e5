"""The simulated centre behind the wait-estimate bench and the replay (not collected by pytest)."""
