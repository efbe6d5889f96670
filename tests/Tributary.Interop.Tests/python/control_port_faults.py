"""A Python test suite's view of `tributary broker --control-port`: it drives faults over HTTP (urllib, JSON) and
watches confluent-kafka-python (librdkafka 2.0.2) react as it does to the real thing. Each subcommand prints one
JSON object; exit code 0 means no error.

- latency: the partition leader answers 2.5 s late while the producer's request.timeout.ms and socket.timeout.ms are 1 s, so the produce
  times out and is retried; once the latency is removed the record is delivered (once: the producer is idempotent).
  The request log shows the retries.
- leader-move: the leadership moves between two produces; the producer follows the new leader.
- hold: a rule holds the next produce; the record is not delivered until the rule releases it.
"""
import argparse
import json
import threading
import time
import urllib.error
import urllib.request

from confluent_kafka import Consumer, Producer


class Control:
    """The control port: JSON in, JSON out; a 4xx answer raises with the server's error message."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: {error.code} {error.read().decode()}")

    def leader(self, topic, partition=0):
        return self.call("GET", f"/topics/{topic}")["partitions"][partition]["leader"]


def wait_until(condition, what, seconds=30):
    deadline = time.time() + seconds
    while not condition():
        if time.time() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        time.sleep(0.1)


class Deliveries:
    """Delivery reports of a producer polled on a thread of its own."""

    def __init__(self, producer):
        self.producer = producer
        self.delivered = []
        self.errors = []
        self._stop = False
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def report(self, error, message):
        if error is None:
            self.delivered.append(message.offset())
        else:
            self.errors.append(str(error))

    def _poll(self):
        while not self._stop:
            self.producer.poll(0.05)

    def stop(self):
        self._stop = True
        self._thread.join()


def latency(args, control):
    topic = "py-latency"
    control.call("POST", "/topics", {"name": topic, "partitions": 1, "replicationFactor": 3})
    producer = Producer({"bootstrap.servers": args.bootstrap, "request.timeout.ms": 1000, "socket.timeout.ms": 1000, "message.timeout.ms": 30000,
                         "retry.backoff.ms": 200, "linger.ms": 0, "enable.idempotence": True})
    deliveries = Deliveries(producer)
    # Connected first: with the latency, even the connection's ApiVersions would time out.
    producer.produce(topic, value=b"warm", on_delivery=deliveries.report)
    wait_until(lambda: deliveries.delivered, "the first record is delivered")
    control.call("POST", "/requests/recording")
    leader = control.leader(topic)
    control.call("POST", f"/brokers/{leader}/latency", {"ms": 2500})
    producer.produce(topic, value=b"slow", on_delivery=deliveries.report)
    wait_until(lambda: control.call("GET", f"/requests?api=Produce&topic={topic}"), "the produce reaches the slow leader")
    time.sleep(1.5)  # past request.timeout.ms: the client gives the request up
    undelivered_while_slow = len(deliveries.delivered) == 1
    control.call("POST", f"/brokers/{leader}/latency", {"ms": 0})
    wait_until(lambda: len(deliveries.delivered) == 2 or deliveries.errors, "the record is delivered")
    deliveries.stop()
    attempts = len(control.call("GET", f"/requests?api=Produce&topic={topic}"))
    control.call("DELETE", "/requests/recording")
    return {"delivered": len(deliveries.delivered), "errors": deliveries.errors, "attempts": attempts,
            "undelivered_while_slow": undelivered_while_slow}


def leader_move(args, control):
    topic = "py-move"
    control.call("POST", "/topics", {"name": topic, "partitions": 1, "replicationFactor": 3})
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 0, "enable.idempotence": True})
    before = control.leader(topic)
    producer.produce(topic, value=b"before")
    producer.flush(30)
    target = before % 3 + 1
    control.call("POST", f"/topics/{topic}/partitions/0/leader", {"broker": target})
    producer.produce(topic, value=b"after")
    remaining = producer.flush(30)
    seen_leader = producer.list_topics(topic, timeout=10).topics[topic].partitions[0].leader
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "py-move-reader", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    values = []
    deadline = time.time() + 30
    while len(values) < 2 and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is not None and not message.error():
            values.append(message.value().decode())
    consumer.close()
    return {"before": before, "after": control.leader(topic), "client_sees": seen_leader, "undelivered": remaining, "values": values}


def hold(args, control):
    topic = "py-hold"
    control.call("POST", "/topics", {"name": topic, "partitions": 1, "replicationFactor": 1})
    rule = control.call("POST", "/rules", {"match": {"api": "Produce", "topic": topic}, "action": "hold"})
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 0})
    deliveries = Deliveries(producer)
    producer.produce(topic, value=b"held", on_delivery=deliveries.report)
    wait_until(lambda: control.call("GET", f"/rules/{rule['id']}")["held"] == 1, "the rule holds the produce")
    time.sleep(1)
    delivered_while_held = len(deliveries.delivered)
    control.call("POST", f"/rules/{rule['id']}/release")
    wait_until(lambda: deliveries.delivered or deliveries.errors, "the released record is delivered")
    deliveries.stop()
    control.call("DELETE", f"/rules/{rule['id']}")
    return {"delivered_while_held": delivered_while_held, "delivered": len(deliveries.delivered), "errors": deliveries.errors}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["latency", "leader-move", "hold"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--control", required=True)
    args = parser.parse_args()
    scenario = {"latency": latency, "leader-move": leader_move, "hold": hold}[args.command]
    print(json.dumps(scenario(args, Control(args.control))))


if __name__ == "__main__":
    main()
