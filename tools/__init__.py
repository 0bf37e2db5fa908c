"""Operator tools: post-deploy smoke check, console publishing."""
