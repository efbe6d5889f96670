"""Drives confluent-kafka-python (librdkafka 2.0.2 from Debian), a client we did not write, for the interop tests.

The same subcommands as kafka_python_client.py (create-topic, produce, consume), each printing one JSON object;
--property name=value passes any librdkafka property (security settings, for example) to every client.
Exit code 0 means the client raised nothing.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from driver_args import driver_parser


def config(args, **extra):
    properties = dict(p.split("=", 1) for p in args.property)
    errors = []
    properties.update({"bootstrap.servers": args.bootstrap, "error_cb": errors.append}, **extra)
    return properties, errors


def raise_authentication_errors(errors):
    for error in errors:
        if error.code() == -169:  # _AUTHENTICATION: librdkafka's own authentication error
            raise KafkaException(error)


def create_topic(args):
    properties, errors = config(args)
    admin = AdminClient(properties)
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=args.replication)],
                                  request_timeout=30)
    for future in futures.values():
        future.result(timeout=30)
    raise_authentication_errors(errors)
    return {"created": args.topic, "listed": args.topic in admin.list_topics(timeout=30).topics}


def produce(args):
    properties, errors = config(args, acks="all", **{"linger.ms": 5, "message.timeout.ms": 30000})
    producer = Producer(properties)
    delivered = []
    for i in range(args.start, args.start + args.count):
        producer.produce(args.topic, key=f"key-{i}", value=f"value-{i}", headers=[("origin", b"confluent-kafka-python")],
                         on_delivery=lambda error, message: delivered.append((error, message)))
        producer.poll(0)
        raise_authentication_errors(errors)
    deadline = time.time() + args.max_seconds
    while len(delivered) < args.count and time.time() < deadline:
        producer.poll(0.1)
        raise_authentication_errors(errors)
    failed = [str(error) for error, _ in delivered if error is not None]
    if failed or len(delivered) < args.count:
        raise RuntimeError(f"delivered {len(delivered) - len(failed)} of {args.count}: {failed[:3]}")
    return {"produced": len(delivered), "partitions": sorted({m.partition() for _, m in delivered})}


def consume(args):
    properties, errors = config(args, **{"group.id": args.group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
                                         "session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
    consumer = Consumer(properties)
    assignments = []
    consumer.subscribe([args.topic], on_assign=lambda _, partitions: assignments.append(sorted(p.partition for p in partitions)))
    records = []
    started = last_record_at = time.time()
    while time.time() - started < args.max_seconds:
        now = time.time()
        satisfied = len(records) >= args.count if args.count > 0 else records and now - last_record_at >= args.idle_ms / 1000
        if satisfied and now - started >= args.min_seconds:
            break
        raise_authentication_errors(errors)
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            raise KafkaException(message.error())
        last_record_at = time.time()
        records.append({"partition": message.partition(), "offset": message.offset(),
                        "key": message.key().decode() if message.key() is not None else None,
                        "value": message.value().decode() if message.value() is not None else None,
                        "headers": {k: v.decode() for k, v in (message.headers() or [])},
                        "timestamp": message.timestamp()[1]})
        if args.commit == "true":
            consumer.commit(message=message, asynchronous=False)
    consumer.close()
    return {"consumed": len(records), "records": records, "assignments": assignments}


def main():
    parser = driver_parser(["create-topic", "produce", "consume"])
    parser.add_argument("--property", action="append", default=[], help="a librdkafka property name=value; repeatable")
    args = parser.parse_args()
    handler = {"create-topic": create_topic, "produce": produce, "consume": consume}[args.command]
    print(json.dumps(handler(args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
