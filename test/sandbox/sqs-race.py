"""Sends, receives and deletes SQS messages on one queue from many threads at once; prints what was lost or seen twice.

Used by emulator-races.test.ts. moto server serves requests on threads, and a queue's message list was rebuilt by
a delete (`Queue.delete_message`) without the lock a send appends under: a message sent while another was being
deleted could vanish (a 1,000-order cost run lost one ledger message this way). Threads put the requests on the wire
together, which Node's single thread does not.

Usage: python sqs-race.py <endpoint> <senders> <messages per sender> <consumers>
"""
import json
import sys
import threading
import time

import boto3
from botocore.config import Config


def main() -> None:
    endpoint, senders, per_sender, consumers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    config = Config(retries={"max_attempts": 1}, max_pool_connections=64)
    admin = session.client("sqs", endpoint_url=endpoint, config=config)
    url = admin.create_queue(QueueName=f"race-{int(time.time() * 1000)}", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    sent = [f"{s}-{n}" for s in range(senders) for n in range(per_sender)]
    received: dict[str, int] = {}
    lock = threading.Lock()
    sending_done = threading.Event()
    barrier = threading.Barrier(senders + consumers)

    def send(s: int) -> None:
        client = session.client("sqs", endpoint_url=endpoint, config=config)
        barrier.wait()
        for n in range(per_sender):
            client.send_message(QueueUrl=url, MessageBody=f"{s}-{n}")

    def consume() -> None:
        client = session.client("sqs", endpoint_url=endpoint, config=config)
        barrier.wait()
        idle = 0
        while idle < 3:
            messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if not messages:
                idle = idle + 1 if sending_done.is_set() else 0
                continue
            idle = 0
            with lock:
                for m in messages:
                    received[m["Body"]] = received.get(m["Body"], 0) + 1
            # One delete at a time, as an event source mapping deletes a batch's successes: each rebuilds the list.
            for m in messages:
                client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)] + [threading.Thread(target=consume) for _ in range(consumers)]
    for t in threads:
        t.start()
    for t in threads[:senders]:
        t.join()
    sending_done.set()
    for t in threads[senders:]:
        t.join()
    left = admin.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    print(json.dumps({
        "sent": len(sent),
        "lost": sorted(b for b in sent if b not in received),
        "receivedTwice": sorted(b for b, n in received.items() if n > 1),
        "left": int(left["ApproximateNumberOfMessages"]) + int(left["ApproximateNumberOfMessagesNotVisible"]),
    }))


if __name__ == "__main__":
    main()
