"""Key shapes of the data table (single-table design) and its indexes.

- user:     pk USER#<sub>                          sk USER        gsi1 ACCOUNT#<acct> / USER#<email>
- account:  pk ACCOUNT#<acct>                      sk ACCOUNT     (name, owner_count) gsi1 ACCOUNTS / ACCOUNT#<acct>
- invitation: pk INVITEE#<email>                   sk INVITATION#<acct>   gsi1 ACCOUNT#<acct> / INVITATION#<id>
            (one per address and account: a new invitation replaces a used, revoked or expired one)
- webhook:  pk ACCOUNT#<acct>                      sk INTEGRATION#<teams|slack>   (last 4 characters, last delivery;
            the URL itself is an SSM SecureString, see repositories/integrations.py)
- session:  pk ACCOUNT#<acct>#SESSION#<session>    sk SESSION
- handoff:  pk ACCOUNT#<acct>#SESSION#<session>    sk HANDOFF#<handoff>
            queue_sk <created_at>#<handoff>, queue_home_pk ACCOUNT#<acct>,
            queue_home_intent_pk ACCOUNT#<acct>#<intent>; while open only (sparse): queue_pk and
            queue_intent_pk, copied from their *_home twins (so a release needs no read);
            changes_pk ACCOUNT#<acct>, changes_sk <updated_at>#<handoff> (index handoff_changes, for resume)
            created_pk ACCOUNT#<acct>, created_sk <created_at>#<handoff> (index handoffs_by_created, for
            the figures: it projects only the few attributes they read); picked_up_at/_by/_by_name
            (the first claim, kept through releases) and overdue_raises (levels ever raised)
            creator_pk ACCOUNT#<acct>#USER#<created_by> (index handoffs_by_creator), while someone holds it
            (claimed, or resolved by them; sparse) holder_pk ACCOUNT#<acct>#USER#<claimed_by> (handoffs_by_holder),
            both sorted by mine_sk <status>#<last transition>#<handoff> ("my work", by status, newest first)

The account is part of every session/handoff key, so a caller can only ever address
items of their own account: another account's id simply does not exist for them.
"""

from __future__ import annotations

USERS_BY_ACCOUNT_INDEX = "users_by_account"
OPEN_QUEUE_INDEX = "open_queue"
OPEN_QUEUE_BY_INTENT_INDEX = "open_queue_by_intent"
CHANGES_INDEX = "handoff_changes"
CREATED_INDEX = "handoffs_by_created"
HOLDER_INDEX = "handoffs_by_holder"
CREATOR_INDEX = "handoffs_by_creator"

SESSION_SK = "SESSION"
USER_SK = "USER"
ACCOUNT_SK = "ACCOUNT"
HANDOFF_PREFIX = "HANDOFF#"
INTEGRATION_PREFIX = "INTEGRATION#"
USER_PREFIX = "USER#"
INVITATION_PREFIX = "INVITATION#"
ALL_ACCOUNTS_PK = "ACCOUNTS"


def user_key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": USER_SK}


def account_key(account_id: str) -> dict[str, str]:
    return {"pk": account_pk(account_id), "sk": ACCOUNT_SK}


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def integration_key(account_id: str, channel: str) -> dict[str, str]:
    return {"pk": account_pk(account_id), "sk": f"{INTEGRATION_PREFIX}{channel}"}


def session_pk(account_id: str, session_id: str) -> str:
    return f"ACCOUNT#{account_id}#SESSION#{session_id}"


def session_key(account_id: str, session_id: str) -> dict[str, str]:
    return {"pk": session_pk(account_id, session_id), "sk": SESSION_SK}


def handoff_key(account_id: str, session_id: str, handoff_id: str) -> dict[str, str]:
    return {"pk": session_pk(account_id, session_id), "sk": f"{HANDOFF_PREFIX}{handoff_id}"}


def queue_intent_pk(account_id: str, intent: str) -> str:
    return f"ACCOUNT#{account_id}#{intent}"


def queue_sk(created_at: str, handoff_id: str) -> str:
    return f"{created_at}#{handoff_id}"


def changes_sk(updated_at: str, handoff_id: str) -> str:
    return f"{updated_at}#{handoff_id}"


def invitation_key(email: str, account_id: str) -> dict[str, str]:
    return {"pk": f"INVITEE#{email}", "sk": f"{INVITATION_PREFIX}{account_id}"}


def invitee_pk(email: str) -> str:
    return f"INVITEE#{email}"


def created_sk(created_at: str, handoff_id: str) -> str:
    return f"{created_at}#{handoff_id}"


def person_pk(account_id: str, user_id: str) -> str:
    """A member's partition of the "my work" indexes: the account first, as in every other key."""
    return f"ACCOUNT#{account_id}#USER#{user_id}"


def mine_sk(status: str, changed_at: str, handoff_id: str) -> str:
    return f"{status}#{changed_at}#{handoff_id}"


# - connector: pk ACCOUNT#<acct>  sk CONNECTOR#<name>  (settings, hook id, member map, last delivery and inbound call;
#              the secrets are an SSM SecureString, see repositories/connectors.py)
# - budget:    pk ACCOUNT#<acct>  sk BUDGET#<name>#<hour>  (requests counted this hour; expires with TTL)
# - ticket:    pk ACCOUNT#<acct>  sk PSA_TICKET#<name>#<ticket id>  (the session a PSA ticket became)
CONNECTOR_PREFIX = "CONNECTOR#"


def connector_key(account_id: str, name: str) -> dict[str, str]:
    return {"pk": account_pk(account_id), "sk": f"{CONNECTOR_PREFIX}{name}"}


def budget_key(account_id: str, name: str, hour: str) -> dict[str, str]:
    return {"pk": account_pk(account_id), "sk": f"BUDGET#{name}#{hour}"}


def ticket_key(account_id: str, name: str, ticket_id: str) -> dict[str, str]:
    return {"pk": account_pk(account_id), "sk": f"PSA_TICKET#{name}#{ticket_id}"}
