"""Connectors: the outside systems baton talks to (Teams, Slack; PSAs later), each declared once in one shape
(`declaration.Connector`), listed in `registry`. Pure: renderers, classifiers and verifiers do no I/O; what
stores secrets and posts is an adapter behind a port (baton/ports.py)."""
