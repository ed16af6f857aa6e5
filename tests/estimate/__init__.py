"""Wait-estimate tests: the forecast on cases with known answers, learning, and replays."""
