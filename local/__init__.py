"""baton's local runtime: the whole SAM template on one machine, without AWS or Docker."""
