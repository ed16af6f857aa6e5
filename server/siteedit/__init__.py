"""An administrator edits desks, counters, kiosks, displays and printers of a running site."""
