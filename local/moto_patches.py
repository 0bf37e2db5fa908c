"""Fixes to moto for a long-running local endpoint under load.

1. moto's TransactWriteItems backs up every table it touches with `copy.deepcopy` before
each transaction, stream records included, so a transaction costs time and memory in
proportion to everything the table ever held (a few thousand handoffs in, the endpoint
used gigabytes and took hundreds of milliseconds per transaction). This keeps moto's own
implementation but replaces the whole-table backup with a snapshot of just the items the
transaction names; a cancelled transaction restores those and drops the stream records
its partial writes added, as DynamoDB (which writes nothing for it) would.

2. moto's ReceiveMessage checks each message it hands out against the queue's retention
period by computing *all* the queue's attributes, approximate message counts included (a
walk over every message): receiving from a backlog of n messages cost O(n^2). The check
now reads the retention period alone; what it decides is unchanged.

3. moto's server finds the backend for each request by listing its own package directory
(hundreds of `isdir` calls) and then trying every backend's URL patterns, under one lock.
The installed backends do not change while it runs: each host's answer is kept after its
first request.

4. moto's JSON response serializer writes a map entry whose key is the empty string into the
map itself when its value is a structure (as DynamoDB's typed attribute values are): the item
`{"m": {"M": {"": {"S": "x"}}}}` came out of GetRecords as `{"m": {"M": {"S": "x"}}}`, which
boto3 cannot parse. An empty key is now serialized like any other. (Fix 5 now writes every
AttributeValue itself; this one stays as the moto behaviour fix 5 is tested equal to.)

5. That serializer also walks every typed attribute value against its model, member by member
(ten members, each looked up through several spellings): three quarters of what the endpoint
spent answering GetItem, Query and GetRecords. A DynamoDB `AttributeValue` is written directly
now, with the same result for each type (blobs base64-encoded as moto's serializer does).

6. moto finds a service's backend for an account by scanning a list of every backend in use
with a Python-level `==`, several times per request. An account whose backend exists is now
answered straight from the dict.

7. moto's Query starts from every item of the table, sorted (`all_items`), whatever the key it
asks for, then keeps the key's items and sorts those again. A Query on the table now starts from
the key's own partition, and one on an index from the items whose index key has the asked value,
in no particular order (moto checks and sorts what it keeps, as before): a Query costs about what
its partition holds, not what the table does.

8. A KEYS_ONLY index projected each item it returned through a round trip to plain Python values
and back; its key attributes are now picked directly.

9. moto's SQS queue lists the message groups in flight by walking its set of pending messages while
the server's other threads receive and delete from that set: a ReceiveMessage failed now and then
with "Set changed size during iteration" (a poller then counted as failing, and health said
"degraded"). The walk now goes over a copy, taken in one step.

Each patch names the moto function it replaces or wraps, with the fingerprint of the source it was written
against (`TARGETS`, checked by local.patch_guard when this module is imported, before anything is patched):
a moto update that changes one of them stops the endpoint with a message naming the patch.
"""

from __future__ import annotations

import copy
import inspect
import threading
from typing import Any

from moto.core.base_backend import BackendDict
from moto.core.serialize import BaseJSONSerializer
from moto.core.utils import unix_time
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import SecondaryIndex, Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Message, Queue, SQSBackend

from local import patch_guard
from local.patch_guard import Target

TRANSACTIONS = Target(
    "moto patch 1 (a transaction backs up only the items it names)", DynamoDBBackend, "transact_write_items", "81db2cb7d94e"
)
RETENTION = Target(
    "moto patch 2 (a receive reads only the retention period)",
    SQSBackend,
    "is_message_valid_based_on_retention_period",
    "cca23b94a5f3",
)
HOSTS = Target(
    "moto patch 3 (each host's backend is looked up once)", DomainDispatcherApplication, "get_backend_for_host", "1f41972c1e4e"
)
EMPTY_KEYS = Target("moto patch 4 (an empty map key is serialized)", BaseJSONSerializer, "_serialize_type_map", "faa32d1fa9a8")
TYPED_VALUES = Target(
    "moto patch 5 (a typed value is written directly)", BaseJSONSerializer, "_serialize_type_structure", "36873909cd0a"
)
ACCOUNTS = Target(
    "moto patch 6 (an account's backend is found in the dict)", BackendDict, "_create_account_specific_backend", "efcc193ee3ca"
)
QUERIES = Target("moto patch 7 (a Query starts from its partition)", Table, "query", "002b4d00be6d")
QUERIED_ITEMS = Target("moto patch 7 (a Query starts from its partition)", Table, "all_items", "c80d2ee3c896")
KEYS_ONLY = Target("moto patch 8 (a KEYS_ONLY index picks the keys)", SecondaryIndex, "project", "b2eb603ebd16")
PENDING_GROUPS = Target(
    "moto patch 9 (pending message groups are read from a copy)", Queue, "pending_message_groups", "e940658c5997"
)
TARGETS = (TRANSACTIONS, RETENTION, HOSTS, EMPTY_KEYS, TYPED_VALUES, ACCOUNTS, QUERIES, QUERIED_ITEMS, KEYS_ONLY, PENDING_GROUPS)


def check_targets() -> dict[Target, Any]:
    """moto's function for each target, and what else of moto the patches use; PatchRefused if one changed."""
    originals = {target: target.original() for target in TARGETS}
    patch_guard.attribute(TRANSACTIONS.patch, Table, "get_item")
    if "__deepcopy__" in vars(Table):  # patch 1 turns moto's deepcopy of every table into a no-op while it runs
        patch_guard.refuse(TRANSACTIONS.patch, Table, "moto's Table now defines __deepcopy__, which the patch sets and removes")
    patch_guard.attribute(RETENTION.patch, SQSBackend, "get_queue")
    for name in ("MAP_TYPE", "_default_serialize", "_serialize"):
        patch_guard.attribute(EMPTY_KEYS.patch, BaseJSONSerializer, name)
    patch_guard.attribute(TYPED_VALUES.patch, BaseJSONSerializer, "_base64")
    patch_guard.attribute(TYPED_VALUES.patch, DynamoType, "to_json")
    patch_guard.attribute(QUERIES.patch, Table, "get_index")
    return originals


_ORIGINALS = check_targets()  # at import: nothing below runs on a moto it was not written for
_original = _ORIGINALS[TRANSACTIONS]


def _key_of(table: Table, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None] | None:
    key = op.get("Key") or op.get("Item") or {}
    try:
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    except KeyError:
        return None  # a malformed operation: moto rejects it before writing anything
    return hash_value, range_value


def _restore(table: Table, hash_value: DynamoType, range_value: DynamoType | None, item: Any) -> None:
    if range_value is not None:
        if item is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    snapshots = []
    stream_lengths: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        op: dict[str, Any] = next(iter(entry.values()), {})
        table = self.tables.get(str(op.get("TableName")))
        key = _key_of(table, op) if table is not None else None
        if table is None or key is None:
            continue
        snapshots.append((table, *key, copy.deepcopy(table.get_item(*key))))
        if table.stream_shard is not None:
            stream_lengths.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
    Table.__deepcopy__ = lambda table, memo: table  # type: ignore[attr-defined]  # moto's backup: now a no-op
    try:
        _original(self, transact_items)
    except Exception:
        for table, hash_value, range_value, item in reversed(snapshots):
            _restore(table, hash_value, range_value, item)
        for shard, length in stream_lengths.values():
            del shard.items[length:]
        raise
    finally:
        del Table.__deepcopy__  # type: ignore[attr-defined]


def is_message_valid_based_on_retention_period(self: SQSBackend, queue_name: str, message: Message) -> bool:
    retention_seconds = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


_backend_for_host = _ORIGINALS[HOSTS]
_BACKEND_BY_HOST: dict[str | None, Any] = {}


def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    if host not in _BACKEND_BY_HOST:
        _BACKEND_BY_HOST[host] = _backend_for_host(self, host)
    return _BACKEND_BY_HOST[host]


_EMPTY_KEY_STAND_IN = "\x00baton-empty-key"


def serialize_json_map(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    """moto's own JSON map serializer, except that an empty key gets a wrapper like any other key."""
    entries: dict[str, Any] = self.MAP_TYPE()
    self._default_serialize(serialized, entries, shape, key)
    for entry_key, entry_value in value.items():
        if entry_key:
            self._serialize(entries, entry_value, shape.value, entry_key)
            continue
        holder: dict[str, Any] = self.MAP_TYPE()
        self._serialize(holder, entry_value, shape.value, _EMPTY_KEY_STAND_IN)
        if _EMPTY_KEY_STAND_IN in holder:
            entries[""] = holder[_EMPTY_KEY_STAND_IN]


_serialize_structure = _ORIGINALS[TYPED_VALUES]
_SCALARS = frozenset({"S", "N", "BOOL", "NULL"})


def serialize_json_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    if shape.name != "AttributeValue" or not isinstance(value, dict | DynamoType):
        _serialize_structure(self, serialized, value, shape, key)
        return
    wire = _attribute_value(self, value)
    if key:
        serialized[key] = wire
    else:
        serialized.update(wire)


def _attribute_value(serializer: BaseJSONSerializer, value: Any) -> dict[str, Any]:
    """A typed value as DynamoDB's JSON protocol writes it, e.g. `{"M": {"a": {"N": "1"}}}`."""
    if isinstance(value, DynamoType):
        value = value.to_json()
    wire: dict[str, Any] = {}
    for kind, inner in value.items():
        if inner is None:
            continue
        if kind == "M":
            wire[kind] = {name: _attribute_value(serializer, member) for name, member in inner.items()}
        elif kind == "L":
            wire[kind] = [_attribute_value(serializer, member) for member in inner]
        elif kind == "B":
            wire[kind] = serializer._base64(inner)
        elif kind == "BS":
            wire[kind] = [serializer._base64(member) for member in inner]
        elif kind in ("SS", "NS"):
            wire[kind] = [str(member) for member in inner]
        elif kind in _SCALARS:
            wire[kind] = inner if kind in ("BOOL", "NULL") else str(inner)
    return wire


_create_backend = _ORIGINALS[ACCOUNTS]


def create_account_specific_backend(self: BackendDict[Any], account_id: str) -> None:
    if account_id not in self:  # reset() empties the dict, so a reset backend is created again
        _create_backend(self, account_id)


_query = _ORIGINALS[QUERIES]
_all_items = _ORIGINALS[QUERIED_ITEMS]
_QUERY = inspect.signature(_query)
_scope = threading.local()  # (table, partition key or None, (index hash attribute, value) or None) while a Query runs


def query(self: Table, *args: Any, **kwargs: Any) -> Any:
    call = _QUERY.bind(self, *args, **kwargs).arguments
    hash_key, index_name = call["hash_key"], call.get("index_name")
    if index_name is None and hash_key is None:
        return _query(self, *args, **kwargs)
    if index_name is None:
        _scope.query = (self, hash_key, None)
    else:  # moto still checks every key condition; this only leaves out items of other index partitions
        schema = self.get_index(index_name).schema
        index_hash = next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")
        _scope.query = (self, None, (index_hash, hash_key) if isinstance(hash_key, DynamoType) else None)
    try:
        return _query(self, *args, **kwargs)
    finally:
        _scope.query = None


def all_items(self: Table) -> list[Any]:
    scope = getattr(_scope, "query", None)
    if scope is None or scope[0] is not self:
        return _all_items(self)  # a Scan: moto's sorted order, which its paging relies on
    _, partition, index_key = scope
    if partition is None:
        hash_sets: Any = self.items.values()
    else:
        hash_sets = [self.items[partition]] if partition in self.items else []
    items = [item for hash_set in hash_sets for item in hash_set.values()] if self.range_key_attr else list(hash_sets)
    if index_key is None:
        return items
    name, wanted = index_key
    return [item for item in items if _may_equal(item.attrs.get(name), wanted)]


def _may_equal(value: DynamoType | None, wanted: DynamoType) -> bool:
    """False only where moto's `==` is False too (numbers, which it compares by value, are left to it)."""
    return value is not None and value.type == wanted.type and (value.value == wanted.value or value.type == "N")


_project = _ORIGINALS[KEYS_ONLY]


def project(self: SecondaryIndex, item: Item) -> Item:
    if (self.projection or {}).get("ProjectionType") != "KEYS_ONLY":
        return _project(self, item)
    projected = copy.copy(item)
    keys = (*self.table_key_attrs, *self.schema_key_attrs)
    projected.attrs = LimitedSizeDict({name: item.attrs[name] for name in keys if name in item.attrs})
    return projected


def pending_message_groups(self: Queue) -> set[str]:
    pending = list(self._pending_messages)  # one C-level copy: no other thread runs while it is taken
    return {message.group_id for message in pending if message.group_id is not None}


def install() -> None:
    """Apply every patch (each target was checked when this module was imported)."""
    replacements = {
        TRANSACTIONS: transact_write_items,
        RETENTION: is_message_valid_based_on_retention_period,
        HOSTS: get_backend_for_host,
        EMPTY_KEYS: serialize_json_map,
        TYPED_VALUES: serialize_json_structure,
        ACCOUNTS: create_account_specific_backend,
        QUERIES: query,
        QUERIED_ITEMS: all_items,
        KEYS_ONLY: project,
        PENDING_GROUPS: property(pending_message_groups),
    }
    for target, replacement in replacements.items():
        setattr(target.owner, target.name, replacement)
