"""WebSocket connections and the single-use tickets that open them (entities)."""

from baton.models import Entity

TICKET_TTL_SECONDS = 60
# API Gateway closes every WebSocket after 2 h; keep rows a little longer, TTL removes them.
CONNECTION_TTL_SECONDS = 2 * 3600 + 300
POST_CONCURRENCY = 16  # posts in flight per push invocation (threads over one shared client)


class ConnectionGone(Exception):
    """The client is gone (410): its connection row should be deleted."""


class Throttled(Exception):
    """The Management API asked us to slow down; a retry may succeed."""


class Ticket(Entity):
    ticket: str
    user_id: str
    expires_at: int  # epoch seconds


class Connection(Entity):
    connection_id: str
    account_id: str
    user_id: str
    connected_at: str
    expires_at: int  # epoch seconds (DynamoDB TTL)
