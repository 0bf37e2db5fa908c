"""How long a failed event may come back, and so how long a consumer must remember what it already did.

The dead-letter queues keep a message 14 days (template.yaml: every `*DeadLetters` queue and
SubscriptionDeadLetters), and an operator may redrive it any time before then (docs/deploy.md). A consumer
that must not repeat itself (an email, a webhook post) keeps its idempotency records at least that long, so a
redrive within the window never double-sends (tests/unit/test_pager_and_limits.py holds the two together).
"""

from __future__ import annotations

DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
