"""Use cases: one function each, taking their repositories as arguments."""
