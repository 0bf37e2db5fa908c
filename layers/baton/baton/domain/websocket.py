"""WebSocket connections and the single-use tickets that open them (entities)."""

from baton.domain.models import Entity

TICKET_TTL_SECONDS = 60
# API Gateway closes every WebSocket after 2 h; keep rows a little longer, TTL removes them.
CONNECTION_TTL_SECONDS = 2 * 3600 + 300
# Posts in flight per push invocation: keep-alive connections to the Management API. Each post
# waits a network round trip on AWS; 64 overlap them (the AWS SDK for JavaScript allows 50).
POSTS_IN_FLIGHT = 64
# Connections one push invocation posts to. An account with more has its fan-out split into parts of
# about this size: the invocation that read them posts the first part and hands the others, through the
# push parts queue, to invocations of their own that post in parallel (a 2,000-console account is four).
CONNECTIONS_PER_PUSH = 500


class ConnectionGone(Exception):
    """The client is gone (410): its connection row should be deleted."""


class Throttled(Exception):
    """The Management API asked us to slow down; a retry may succeed."""


class PostFailed(Exception):
    """The Management API refused a post for another reason (its status and error type)."""


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


class PushPart(Entity):
    """One part of a fan-out split across push invocations: the event as posted, for these connections."""

    event_id: str
    account_id: str
    part: int  # 2..parts: part 1 is posted by the invocation that split the fan-out
    parts: int
    data: str  # the event's JSON, exactly as every connection receives it
    connection_ids: list[str]
