"""Domain tests: the pure queue logic, in process."""
