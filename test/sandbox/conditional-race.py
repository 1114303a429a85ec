"""Races conditional UpdateItem calls for one item against the emulator; prints how many trials had several winners.

Used by emulator-races.test.ts. Threads released by one barrier put the requests on the wire within
a fraction of a millisecond of each other, which Node's single thread does not: moto's window between checking a
condition and applying the update is that short.

Usage: python conditional-race.py <endpoint> <trials> <contenders>
"""
import json
import sys
import threading
import time

import boto3
from botocore.config import Config


def main() -> None:
    endpoint, trials, contenders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    config = Config(retries={"max_attempts": 1})
    admin = session.client("dynamodb", endpoint_url=endpoint, config=config)
    table = f"race-{int(time.time() * 1000)}"
    admin.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    clients = [session.client("dynamodb", endpoint_url=endpoint, config=config) for _ in range(contenders)]
    winners_per_trial = []
    for trial in range(trials):
        key = {"pk": {"S": f"SHIPMENT#{trial}"}}
        # An existing item with a large attribute: moto then spends longer between its check and its write.
        admin.put_item(TableName=table, Item={**key, "rank": {"N": "4"}, "padding": {"S": "x" * 2000}})
        barrier = threading.Barrier(contenders)
        winners = []

        def contend(owner: int) -> None:
            client = clients[owner]
            now = int(time.time() * 1000)
            barrier.wait()
            try:
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET leaseOwner = :owner, leaseUntil = :until, leaseRank = :rank, attemptedRank = :rank",
                    ConditionExpression="#rank < :rank AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)",
                    ExpressionAttributeNames={"#rank": "rank"},
                    ExpressionAttributeValues={
                        ":owner": {"S": f"owner-{owner}"},
                        ":until": {"N": str(now + 60_000)},
                        ":now": {"N": str(now)},
                        ":rank": {"N": "5"},
                    },
                    ReturnValues="ALL_OLD",
                )
                winners.append(owner)
            except client.exceptions.ConditionalCheckFailedException:
                pass

        threads = [threading.Thread(target=contend, args=(owner,)) for owner in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners_per_trial.append(len(winners))
    print(json.dumps({"trials": trials, "winnersPerTrial": winners_per_trial}))


if __name__ == "__main__":
    main()
