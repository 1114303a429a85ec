"""Starts moto server on a loopback port chosen by the OS and ties its life to the parent process.

Started by sandbox/emulator.ts as `python moto_launcher.py <host>`. Prints one JSON line
`{"port": N, "pid": N, "moto": "<version>"}` on stdout once the socket listens, and a second one
`{"patches": [...], "cloudFormationTypes": [...]}` once moto is patched (see `apply_patches`) and knows
which resource types its CloudFormation can create. Serves until any of these happens:
- stdin reaches EOF: the parent closed the pipe or died (the kernel closes a dead process's pipes,
  even after SIGKILL, so this is the primary orphan guard);
- the parent pid changes (re-parented to init or a subreaper): belt and braces in case stdin was
  inherited by another process;
- SIGTERM (SIGINT is ignored: see main()).

The patches are narrow; each fixes a moto behaviour that differs from AWS and is listed in
docs/sandbox.md.
"""
import json
import os
import signal
import sys
import threading
import time


def apply_patches() -> list:
    """Fixes for moto 5.2.5 behaviours that differ from AWS. Returns the names of the patches applied."""
    applied = []

    from moto.events import models as events_models
    from moto.events import utils as events_utils
    from moto.sqs import models as sqs_models

    from moto.apigateway import models as apigateway_models

    # 1. `Ref` returns the name of an AWS::Events::EventBus or AWS::Events::Archive and the id of an
    #    AWS::ApiGateway::Deployment in AWS; moto's models have no physical_resource_id, so Ref returned
    #    a Python object (and rules on a custom bus could not be created).
    for model, getter, name in (
        (events_models.EventBus, lambda self: self.name, "events-bus-ref-returns-name"),
        (events_models.Archive, lambda self: self.name, "events-archive-ref-returns-name"),
        (apigateway_models.Deployment, lambda self: self.id, "apigateway-deployment-ref-returns-id"),
    ):
        if "physical_resource_id" not in vars(model):
            model.physical_resource_id = property(getter)
            applied.append(name)

    # 2. AWS::Events::Archive `EventPattern` is a JSON object in templates; moto only accepted a string.
    original_archive_create = events_models.Archive.create_from_cloudformation_json.__func__

    def archive_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        if isinstance(properties.get("EventPattern"), dict):
            properties["EventPattern"] = json.dumps(properties["EventPattern"])
        return original_archive_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    events_models.Archive.create_from_cloudformation_json = classmethod(archive_create)
    applied.append("events-archive-pattern-object")

    # 3. Events delivered to SQS targets without an input transformer carry the whole event in AWS,
    #    including `account`; moto's default template left `account` out.
    if '"account"' not in events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE:
        events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = (
            '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
            '"account": "<account>", "time": <time>, "region": "<region>", "resources": <resources>, '
            '"detail": <detail>}'
        )
        applied.append("events-sqs-target-event-has-account")

    # 4. `Ref` of AWS::SQS::Queue is the queue URL. In AWS that URL's host is the SQS endpoint, and the
    #    AWS SDK v3 sends requests for a queue to its URL's host; moto answered with
    #    https://sqs.<region>.amazonaws.com/..., which would send sandbox traffic to AWS. Point it at
    #    this server instead, exactly as moto's own GetQueueUrl does in server mode.
    def queue_url(self):
        return f"http://127.0.0.1:{os.environ['MOTO_PORT']}/{self.account_id}/{self.name}"

    sqs_models.Queue.physical_resource_id = property(queue_url)
    applied.append("sqs-queue-ref-is-emulator-url")

    # 5. CloudFormation keeps the names it generates (`<stack>-<logicalId>-<SUFFIX>`) within each resource
    #    type's limit by shortening the `<stack>-<logicalId>` part; moto generated them unbounded and then
    #    rejected its own names (archives: 48, state machines: 80, ...).
    from moto.cloudformation import parsing as cfn_parsing

    name_limits = {
        "AWS::Events::Archive": 48,
        "AWS::Events::Rule": 64,
        "AWS::IAM::Role": 64,
        "AWS::Lambda::Function": 64,
        "AWS::SQS::Queue": 80,
        "AWS::StepFunctions::StateMachine": 80,
    }
    original_generate = cfn_parsing.generate_resource_name

    def generate_resource_name(resource_type, stack_name, logical_id):
        name = original_generate(resource_type, stack_name, logical_id)
        limit = name_limits.get(resource_type)
        if limit and len(name) > limit:
            suffix = name.rsplit("-", 1)[-1]
            name = f"{name[: limit - len(suffix) - 1].rstrip('-')}-{suffix}"
        return name

    cfn_parsing.generate_resource_name = generate_resource_name
    applied.append("cloudformation-generated-names-within-limits")

    # 6. Rule targets with `Input` (a constant) or `InputPath` deliver that instead of the event in AWS;
    #    moto only knew InputTransformer. Expressed as the equivalent transformer for moto's own code.
    original_send = events_models.Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input=True):
        saved = self.targets
        converted = []
        for target in saved:
            if transform_input and "InputTransformer" not in target and ("Input" in target or "InputPath" in target):
                target = dict(target)
                if "Input" in target:
                    target["InputTransformer"] = {"InputTemplate": target.pop("Input"), "InputPathsMap": {"__none": "$.__none"}}
                else:
                    target["InputTransformer"] = {"InputTemplate": "<value>", "InputPathsMap": {"value": target.pop("InputPath")}}
            converted.append(target)
        self.targets = converted
        try:
            return original_send(self, original_event, transform_input)
        finally:
            self.targets = saved

    events_models.Rule.send_to_targets = send_to_targets
    applied.append("events-target-input-and-input-path")

    # 7. StartReplay in AWS replays only the archived events whose time lies in [EventStartTime,
    #    EventEndTime], only to the rules in Destination.FilterArns when given, and applies each target's
    #    input transformer; moto replayed the whole archive to every rule, untransformed.
    import datetime
    from moto.moto_api._internal import mock_random

    def epoch(value):
        if value is None or value == "":
            return None
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        try:
            return float(value)
        except (TypeError, ValueError):
            return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()

    def replay_events(self, archive):
        backend = events_models.events_backends[self.account_id][self.region]
        bus_name = self.destination["Arn"].split("/")[-1]
        filter_arns = set(self.destination.get("FilterArns") or [])
        start, end = epoch(self.event_start_time), epoch(self.event_end_time)
        for event in list(archive.events):
            when = epoch(event.get("time"))
            if when is not None and ((start is not None and when < start) or (end is not None and when > end)):
                continue
            bus = backend.describe_event_bus(bus_name)
            for rule in list(bus.rules.values()):
                if filter_arns and rule.arn not in filter_arns:
                    continue
                replayed = dict(event, **{"id": str(mock_random.uuid4()), "replay-name": self.name})
                # Target by target: a target without an input transformation gets the replayed event as is
                # (with `replay-name`), one with a transformation gets its transformed input.
                targets = rule.targets
                try:
                    for target in targets:
                        rule.targets = [target]
                        transform = "InputTransformer" in target or "Input" in target or "InputPath" in target
                        delivered = dict(replayed)
                        if not transform:
                            delivered.pop("ingestion-time", None)  # moto's bookkeeping, not in AWS's envelope
                        rule.send_to_targets(delivered, transform_input=transform)
                finally:
                    rule.targets = targets
        self.state = events_models.ReplayState.COMPLETED
        self.end_time = events_models.unix_time()

    events_models.Replay.replay_events = replay_events
    applied.append("events-replay-time-window-and-filter-arns")

    # 8. AWS::KMS::Key `Tags` are CloudFormation tags (Key/Value); moto read them as KMS API tags
    #    (TagKey/TagValue) and failed with KeyError on any tagged key — and CDK tags every key.
    from moto.kms import models as kms_models

    original_key_create = kms_models.Key.create_from_cloudformation_json.__func__

    def key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        tags = properties.get("Tags")
        if tags and all("Key" in t for t in tags):
            properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t.get("Value", "")} for t in tags]
        return original_key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    kms_models.Key.create_from_cloudformation_json = classmethod(key_create)
    applied.append("kms-key-cloudformation-tags")

    # 9. Percentile statistics (p50, p95, p99.9, ...) in GetMetricData: CloudWatch computes them from the
    #    values put; moto answered nothing for any statistic but Sum/Average/Minimum/Maximum/SampleCount.
    #    Nearest rank over the raw values of the period.
    import math
    import re as _re

    from moto.cloudwatch import models as cw_models

    original_statistic = cw_models.Statistics.get_statistics_for_type

    def get_statistics_for_type(self, stat):
        match = _re.fullmatch(r"p(\d{1,2}(?:\.\d+)?|100)", stat)
        if not match:
            return original_statistic(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = math.ceil(float(match.group(1)) / 100 * len(values))
        return values[min(len(values), max(rank, 1)) - 1]

    cw_models.Statistics.get_statistics_for_type = get_statistics_for_type
    applied.append("cloudwatch-percentile-statistics")

    # 10. Speed, not behaviour: every SQS receive checks each message's visibility and delay several times,
    #     and moto reads the clock through datetime arithmetic each time (~6 µs), so a receive on a queue of
    #     1,000 messages took ~0.5 s. The same clock (Unix time in ms), read directly.
    from moto.sqs import models as sqs_models

    def visible(self):
        return time.time() * 1000.0 > self.visible_at

    def delayed(self):
        return time.time() * 1000.0 < self.delayed_until

    sqs_models.Message.visible = property(visible)
    sqs_models.Message.delayed = property(delayed)
    applied.append("sqs-message-clock-fast")

    # 11. A DynamoDB write with a ConditionExpression is atomic in AWS: the condition is checked against the item
    #     as it is when the write applies. moto evaluates the condition, then validates and applies the update in
    #     separate steps without a lock, and moto server serves requests on threads: two conditional updates of
    #     one item arriving together could both pass (the chaos run saw two status leases granted at once;
    #     test/sandbox/emulator-races.test.ts reproduces it). Every item operation of the DynamoDB
    #     backend runs under one lock, so each is atomic and reads never see half an update.
    from moto.dynamodb import models as dynamodb_models

    dynamodb_lock = threading.RLock()

    def hold_lock(cls, names, lock_of):
        # Each named method of `cls` runs holding the lock `lock_of` returns for its call, wrapped once (marked with
        # our own attribute, not `__wrapped__`: moto's decorators set that on some methods, as patch 12 notes).
        for name in names:
            method = getattr(cls, name, None)
            if method is None or getattr(method, "lsync_locked", False):
                continue

            def locked(self, *args, _method=method, **kwargs):
                with lock_of(self, *args, **kwargs):
                    return _method(self, *args, **kwargs)

            locked.lsync_locked = True
            setattr(cls, name, locked)

    hold_lock(
        dynamodb_models.DynamoDBBackend,
        ("put_item", "update_item", "delete_item", "get_item", "query", "scan", "transact_write_items", "execute_statement", "execute_transaction", "batch_execute_statement"),
        lambda backend, *args, **kwargs: dynamodb_lock,
    )
    applied.append("dynamodb-atomic-conditional-writes")

    # 12. Write units by item size, for the cost bench (sandbox/metering.ts). DynamoDB bills a write by the size of
    #     the item: one write unit per 1 KB, of the larger of the item before and after for an update, of the item
    #     for a failed conditional write, twice that in a transaction
    #     (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption).
    #     moto reports a fixed ConsumedCapacity, and the request alone does not tell an update's size. While moto's
    #     recorder is on, each DynamoDB write is followed in the recording by one record (method
    #     `LSYNC-WRITE-UNITS`, the request's Authorization and X-Amz-Target) carrying the write units its items
    #     cost, measured on the stored items before and after it under the lock of patch 11, and the write units of the
    #     table's GSIs the write changed (`indexWriteUnits`).
    from moto.dynamodb import responses as dynamodb_responses
    from moto.moto_api import recorder as moto_recorder

    def stored_size(handler, table_name, key):
        try:
            item = handler.dynamodb_backend.get_item(table_name, key)
        except Exception:  # noqa: BLE001 - a key moto cannot read (a bad request) costs what the request was refused for
            return 0
        return item.size() if item is not None else 0

    def index_states(handler, table_name, key):
        # Per GSI of the table, what the stored item puts in it (its index keys, the projected attributes, their
        # size), or None when the item is not in it; taken as values, so a later in-place update does not change it.
        try:
            table = handler.dynamodb_backend.get_table(table_name)
            item = handler.dynamodb_backend.get_item(table_name, key)
        except Exception:  # noqa: BLE001 - as stored_size
            return {}
        states = {}
        for index in getattr(table, "global_indexes", None) or []:
            if item is None or any(attr not in item.attrs for attr in index.schema_key_attrs):
                states[index.name] = None
                continue
            projected = index.project(item)
            states[index.name] = (
                json.dumps([item.attrs[attr].to_json() for attr in index.schema_key_attrs], sort_keys=True, default=str),
                json.dumps(projected.to_json(), sort_keys=True, default=str),
                projected.size(),
            )
        return states

    def index_units(before, after):
        # A GSI is written when an item enters it (a put), leaves it (a delete), changes its index keys (both), or
        # changes a projected attribute while in it (an update); nothing otherwise
        # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
        def size(state):
            return max(1, math.ceil(state[2] / 1024))

        units = 0
        for name in set(before) | set(after):
            old, new = before.get(name), after.get(name)
            if old is None and new is None:
                continue
            if old is None:
                units += size(new)
            elif new is None:
                units += size(old)
            elif old[0] != new[0]:
                units += size(old) + size(new)
            elif old[1] != new[1]:
                units += max(size(old), size(new))
        return units

    def written_items(operation, body):
        if operation == "BatchWriteItem":
            for table_name, requests in (body.get("RequestItems") or {}).items():
                for entry in requests:
                    key = (entry.get("PutRequest") or {}).get("Item") or (entry.get("DeleteRequest") or {}).get("Key")
                    if key:
                        yield table_name, key
        elif operation == "TransactWriteItems":
            for entry in body.get("TransactItems") or []:
                for kind in ("Put", "Update", "Delete", "ConditionCheck"):
                    part = entry.get(kind)
                    if part:
                        yield part.get("TableName"), part.get("Item") or part.get("Key")
        else:
            yield body.get("TableName"), body.get("Item") or body.get("Key")

    def record_measure(handler, method, operation, measure):
        # A record in moto's request log after the request it measures: its caller (the signed Authorization) and
        # operation, and the measure in its body (sandbox/metering.ts pairs the two).
        entry = {
            "method": method,
            "url": "/",
            "headers": {"Authorization": handler.headers.get("Authorization", ""), "X-Amz-Target": f"DynamoDB_20120810.{operation}"},
            "body": json.dumps(measure),
            "body_encoded": False,
        }
        with open(moto_recorder._location, "a+") as file:
            file.write(json.dumps(entry) + "\n")

    def record_units(handler, operation, units, items, index_write_units):
        record_measure(handler, "LSYNC-WRITE-UNITS", operation, {"writeUnits": units, "items": items, "indexWriteUnits": index_write_units})

    def metered(operation, method):
        def wrapper(self):
            if not moto_recorder._user_enabled:
                return method(self)
            with dynamodb_lock:
                try:
                    items = [(t, k) for t, k in written_items(operation, self.body) if t and isinstance(k, dict)]
                except Exception:  # noqa: BLE001 - a malformed request is moto's to refuse
                    items = []
                before = [stored_size(self, t, k) for t, k in items]
                indexes_before = [index_states(self, t, k) for t, k in items]
                try:
                    return method(self)
                finally:
                    after = [stored_size(self, t, k) for t, k in items]
                    factor = 2 if operation == "TransactWriteItems" else 1
                    units = sum(factor * max(1, math.ceil(max(b, a) / 1024)) for b, a in zip(before, after))
                    index_write_units = sum(index_units(b, index_states(self, t, k)) for (t, k), b in zip(items, indexes_before))
                    record_units(self, operation, units, len(items), index_write_units)

        wrapper.lsync_metered = True
        return wrapper

    # Not `__wrapped__`: moto's own decorators (functools.wraps) set it on some of these handlers already.
    for operation, name in (("PutItem", "put_item"), ("UpdateItem", "update_item"), ("DeleteItem", "delete_item"), ("BatchWriteItem", "batch_write_item"), ("TransactWriteItems", "transact_write_items")):
        method = getattr(dynamodb_responses.DynamoHandler, name)
        if not getattr(method, "lsync_metered", False):
            setattr(dynamodb_responses.DynamoHandler, name, metered(operation, method))
    applied.append("dynamodb-write-units-by-size")

    # 13. A query reads one partition. moto's Table.query built a sorted list of every item in the table for each
    #     query (Table.all_items: O(N log N) comparisons of DynamoType values), then kept the partition's items (a
    #     table query) or those with the index's keys (an index query). At volume that was most of moto's CPU: in
    #     the 1,000-order chaos run (tens of thousands of items) py-spy found 65 % of its samples under
    #     Table.query → Table.all_items, with moto on one core at 100 % and the product waiting on it. During a
    #     query, all_items now yields the partition's items for a table query and every item, unsorted, for an
    #     index query: the same results, since the query filters and sorts them itself (index ties have no order
    #     in DynamoDB). The query runs under the lock of patch 11, so no other request sees the override.
    import functools

    from moto.dynamodb.models import table as dynamodb_table

    def every_item(table):
        for bucket in table.items.values():
            if table.range_key_attr:
                yield from bucket.values()
            else:
                yield bucket

    def partition_items(table, hash_key):
        bucket = table.items.get(hash_key) if hash_key is not None else None
        if bucket is None:
            return []
        return list(bucket.values()) if table.range_key_attr else [bucket]

    def partition_query(method):
        # functools.wraps: the original signature stays readable (inspect.signature), which patch 16 binds to.
        @functools.wraps(method)
        def query(self, hash_key, *args, **kwargs):
            index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
            self.all_items = (lambda: list(every_item(self))) if index_name else (lambda: partition_items(self, hash_key))
            try:
                return method(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items

        query.lsync_partition = True
        return query

    if not getattr(dynamodb_table.Table.query, "lsync_partition", False):
        dynamodb_table.Table.query = partition_query(dynamodb_table.Table.query)
    applied.append("dynamodb-query-one-partition")

    # 14. Work moto repeats for every request, done once. Found by py-spy in a 10,000-order chaos run, moto on one
    #     core at 87 %: (a) the server's dispatcher lists moto's package directory (os.listdir and an isdir per
    #     entry, about 150) for every request, under its one lock, to learn the service names, which never change
    #     while it runs; (b) an EventBridge input transformer builds a new JSONPath parser (ply's yacc tables) for
    #     every path of every event it delivers, 8 % of the samples. Both are now computed once per distinct input:
    #     the same names, the same parsed paths (jsonpath_ng's parsed expressions are not changed by `find`).
    import jsonpath_ng.ext
    from moto import backends as moto_backends

    if not getattr(moto_backends.list_of_moto_modules, "lsync_cached", False):
        module_names = tuple(moto_backends.list_of_moto_modules())
        cached_modules = lambda: module_names  # noqa: E731 - a constant, as the directory is while moto runs
        cached_modules.lsync_cached = True
        moto_backends.list_of_moto_modules = cached_modules
    if not hasattr(jsonpath_ng.ext.parse, "cache_info"):
        jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
    applied.append("server-repeated-work-cached")

    # 15. An SQS queue never loses a message it accepted, and a delete stays deleted. moto server serves requests on
    #     threads, and moto's queue rebuilds its message list on every delete (`Queue.delete_message`: a filtered copy,
    #     then `self._messages = copy`) without the lock a send appends under, while a receive moves messages to the
    #     DLQ with `list.remove` without it either. A message sent (a PutEvents rule delivery) while another was being
    #     deleted vanished from the queue; two deletes at once undid one of them (the message came back after its
    #     visibility timeout); two receives at once could hand one message to both. A 1,000-order cost run lost one
    #     ledger message this way (its trace had no `shipment.dispatched`, nothing was dead-lettered);
    #     test/sandbox/emulator-races.test.ts reproduces it (sqs-race.py, 1,800 messages: before this patch some received
    #     twice in every run, 3 lost in one of four). Every operation that changes a queue's messages now holds the
    #     queue's own lock (the reentrant lock under its condition, which a long poll's wait releases while it waits).
    hold_lock(sqs_models.Queue, ("delete_message",), lambda queue, *args, **kwargs: queue._messages_lock)
    hold_lock(
        sqs_models.SQSBackend,
        ("receive_message", "delete_message_batch", "change_message_visibility", "change_message_visibility_batch", "purge_queue"),
        lambda backend, queue_name, *args, **kwargs: backend.get_queue(queue_name)._messages_lock,
    )
    applied.append("sqs-queue-messages-atomic")

    # 16. Read units by item size, for the cost bench, as patch 12 measures writes. DynamoDB bills a GetItem (and each
    #     key of a BatchGetItem) by the item's size rounded up to 4 KB, at least one unit even when there is no item;
    #     a Query or Scan by the total size of the items it read, before any filter, rounded up to 4 KB (an index's
    #     entries as the index projects them); a strongly consistent read one unit per 4 KB, an eventually consistent one
    #     half, a TransactGetItems item two (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#read-operation-consumption).
    #     A projection does not lower it. While moto's recorder is on, each DynamoDB read is followed in the recording by
    #     one record (method `LSYNC-READ-UNITS`, the request's Authorization and X-Amz-Target) with the units measured:
    #     the stored items' sizes for reads by key; for a Query or Scan, the table runs it once more without its filter and
    #     projection (the same partition, order, start key and Limit) and sums the sizes of what that read.
    read_bytes = threading.local()

    def measured_read(method, filter_free):
        def read(self, *args, **kwargs):
            sizes = getattr(read_bytes, "sizes", None)
            if sizes is not None:
                unfiltered = filter_free(method, self, args, kwargs)
                sizes.append(sum(item.size() for item in unfiltered))
            return method(self, *args, **kwargs)

        read.lsync_read_metered = True
        return read

    import inspect

    def without(*names):
        def call(method, table, args, kwargs):
            bound = inspect.signature(method).bind(table, *args, **kwargs)
            for name in names:
                if name in bound.arguments:
                    bound.arguments[name] = {} if name in ("filters", "filter_kwargs") else None
            return method(*bound.args, **bound.kwargs)[0]

        return call

    if not getattr(dynamodb_table.Table.query, "lsync_read_metered", False):
        dynamodb_table.Table.query = measured_read(dynamodb_table.Table.query, without("projection_expressions", "filter_expression", "filter_kwargs"))
    if not getattr(dynamodb_table.Table.scan, "lsync_read_metered", False):
        dynamodb_table.Table.scan = measured_read(dynamodb_table.Table.scan, without("filters", "filter_expression", "projection_expression"))

    def units_of(size, per_unit):
        return max(1, math.ceil(size / 4096)) * per_unit

    def consistency(body):
        return 1 if body.get("ConsistentRead") is True else 0.5

    def read_units(handler, operation, body):
        if operation == "GetItem":
            return units_of(stored_size(handler, body.get("TableName"), body.get("Key") or {}), consistency(body))
        if operation == "BatchGetItem":
            return sum(
                units_of(stored_size(handler, table_name, key), consistency(request))
                for table_name, request in (body.get("RequestItems") or {}).items()
                for key in request.get("Keys") or []
            )
        if operation == "TransactGetItems":
            return sum(
                units_of(stored_size(handler, (entry.get("Get") or {}).get("TableName"), (entry.get("Get") or {}).get("Key") or {}), 2)
                for entry in body.get("TransactItems") or []
            )
        return units_of(sum(read_bytes.sizes), consistency(body))

    def record_read_units(handler, operation, units):
        record_measure(handler, "LSYNC-READ-UNITS", operation, {"readUnits": units})

    def read_metered(operation, method):
        def wrapper(self):
            if not moto_recorder._user_enabled:
                return method(self)
            with dynamodb_lock:
                read_bytes.sizes = []
                failed = True
                try:
                    result = method(self)
                    failed = False
                    return result
                finally:
                    try:
                        # A refused request (a validation error) reads nothing and costs nothing: 0 replaces its estimate.
                        record_read_units(self, operation, 0 if failed else read_units(self, operation, self.body))
                    finally:
                        read_bytes.sizes = None

        wrapper.lsync_read_metered = True
        return wrapper

    for operation, name in (("GetItem", "get_item"), ("BatchGetItem", "batch_get_item"), ("TransactGetItems", "transact_get_items"), ("Query", "query"), ("Scan", "scan")):
        method = getattr(dynamodb_responses.DynamoHandler, name)
        if not getattr(method, "lsync_read_metered", False):
            setattr(dynamodb_responses.DynamoHandler, name, read_metered(operation, method))
    applied.append("dynamodb-read-units-by-size")

    # 17. AWS::DynamoDB::Table `TimeToLiveSpecification` enables TTL on the attribute it names
    #     (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-timetolivespecification.html);
    #     moto's CloudFormation left it out, so DescribeTimeToLive said DISABLED for every table of the stack and the cost
    #     bench's storage measurement (sandbox/storage.ts) found no item that expires.
    original_table_create = dynamodb_models.Table.create_from_cloudformation_json.__func__

    def table_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        table = original_table_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        spec = cloudformation_json.get("Properties", {}).get("TimeToLiveSpecification")
        if spec and "AttributeName" in spec and "Enabled" in spec:
            from moto.dynamodb.models import dynamodb_backends

            enabled = spec["Enabled"] in (True, "true", "True")
            dynamodb_backends[account_id][region_name].update_time_to_live(table.name, {"AttributeName": spec["AttributeName"], "Enabled": enabled})
        return table

    dynamodb_models.Table.create_from_cloudformation_json = classmethod(table_create)
    applied.append("dynamodb-cloudformation-time-to-live")

    return applied


class _SkipDrain:
    """What werkzeug's `selectors` module is, for its run_wsgi, with one change: after a response werkzeug waits
    10 ms for more bytes of the request and throws them away (it drains what the application did not read before it
    closes). A request whose body `KeepAliveRequestHandler` has already read whole has nothing left to drain, and
    on a kept-alive connection those bytes would be the next request: for it the drain is skipped."""

    local = threading.local()

    def __init__(self, real):
        self.real = real
        self.EVENT_READ = real.EVENT_READ

    def DefaultSelector(self):  # noqa: N802 - the name werkzeug calls
        if getattr(self.local, "body_read", False):
            return _NoSelector()
        return self.real.DefaultSelector()


class _NoSelector:
    def register(self, *_args):
        pass

    def select(self, timeout=None):  # noqa: ARG002 - the selector interface
        return []

    def close(self):
        pass


def keep_alive_handler(base):
    """A request handler that keeps HTTP/1.1 connections open between requests.

    werkzeug's development server closes every connection after one response (`Connection: close`): the sandbox's
    AWS clients then open a TCP connection, and moto a thread, for each of the hundred-odd calls a second a volume
    run makes (9,000 sockets in TIME-WAIT after a minute of the 10,000-order run; accept, thread start and the
    drain above were a fifth of moto's samples). AWS keeps connections alive, and so do the SDK's HTTP agents.
    Here the request's body is read whole before moto sees it (from Content-Length; a chunked request keeps
    werkzeug's behaviour and closes), so the connection is at the next request's first byte once the response is
    written, and the `Connection: close` header is left out; the client's own `Connection: close`, HTTP/1.0, and
    werkzeug's closing after a failed chunked response still close."""
    import io
    import socket

    from werkzeug import serving

    if not isinstance(serving.selectors, _SkipDrain):
        serving.selectors = _SkipDrain(serving.selectors)

    class KeepAliveRequestHandler(base):
        def setup(self):
            super().setup()
            # werkzeug writes the status line and headers, then the body: on a connection that stays open, Nagle's
            # algorithm held the body until the client's delayed ACK (40 ms a response).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def make_environ(self):
            environ = super().make_environ()
            length = self.headers.get("Content-Length")
            chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
            self.keep_alive = not chunked and self.request_version == "HTTP/1.1" and not self.close_connection
            if self.keep_alive:
                size = int(length) if length and length.isdigit() else 0
                environ["wsgi.input"] = io.BytesIO(self.rfile.read(size) if size else b"")
            _SkipDrain.local.body_read = self.keep_alive
            return environ

        def send_header(self, keyword, value):
            if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "keep_alive", False):
                return
            super().send_header(keyword, value)

        def handle_one_request(self):
            self.keep_alive = False
            try:
                super().handle_one_request()
            finally:
                _SkipDrain.local.body_read = False

    return KeepAliveRequestHandler


def main() -> None:
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    parent = os.getppid()

    def die(*_args: object) -> None:
        os._exit(0)

    signal.signal(signal.SIGTERM, die)
    # Ctrl-C in a terminal reaches the whole process group: the parent stops moto itself, after its pollers,
    # so the emulator must not vanish under them. (If the parent dies instead, the guards below end moto.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(1024):
                pass
        finally:
            die()

    def watch_parent() -> None:
        while True:
            if os.getppid() != parent:
                die()
            time.sleep(0.5)

    # moto reports its own errors (tracebacks, "no CloudFormation support for ...") through logging.
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # Not a line per request: werkzeug logs every request at INFO (its logger's own default), which took a fifth of
    # moto's CPU in a 1,000-order run (py-spy: the log call and its handler lock), for lines nobody reads; the
    # metering has moto's recorder. Errors and warnings still reach the parent's moto log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=watch_parent, daemon=True).start()

    import moto
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = DomainDispatcherApplication(create_backend_app)
    # As moto_server does: errors inside moto are logged with their traceback (to the parent's moto log).
    app.debug = True
    server = make_server(host, 0, app, threaded=True, request_handler=keep_alive_handler(MotoRequestHandler))
    # moto builds some URLs from MOTO_PORT; set it to the port the OS gave us before anything uses it.
    os.environ["MOTO_PORT"] = str(server.port)
    print(json.dumps({"port": server.port, "pid": os.getpid(), "moto": moto.__version__}), flush=True)

    def prepare_cloudformation() -> None:
        # Importing every moto model takes about a second, so it happens after the port is announced,
        # while the parent synthesizes; the parent waits for this line before it deploys anything.
        import warnings

        warnings.simplefilter("ignore")
        try:
            patches = ["server-keep-alive", *apply_patches()]
            from moto.cloudformation.parsing import get_model_map

            # The resource types moto's CloudFormation can create, asked from moto itself so the sandbox
            # never keeps its own list.
            types = sorted(t for t in get_model_map() if t.startswith("AWS::") and t != "AWS::SERVICE::RESOURCE")
            print(json.dumps({"patches": patches, "cloudFormationTypes": types}), flush=True)
        except Exception as error:  # reported to the parent, which fails the deploy with it
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)

    threading.Thread(target=prepare_cloudformation, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
