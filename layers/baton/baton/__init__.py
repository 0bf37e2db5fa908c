"""baton: the shared first-party package of the baton functions (domain, models, repositories)."""
