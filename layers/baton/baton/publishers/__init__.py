"""Adapters that send things out: SNS events, WebSocket pushes, email."""
