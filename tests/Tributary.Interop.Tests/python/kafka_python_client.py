"""Drives kafka-python (Debian python3-kafka 2.0.2), a client we did not write, for the interop tests.

Each subcommand does one thing against the bootstrap servers given and prints one JSON object on stdout,
so the C# test can assert on what the client saw. Exit code 0 means the client raised nothing.
"""
import base64
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from driver_args import driver_parser


class UnsecuredTokenProvider:
    """An unsecured JWS (alg none, empty signature) for OAUTHBEARER, as Kafka's unsecured validator expects it."""

    def __init__(self, principal):
        self.principal = principal

    def token(self):
        def encode(claims):
            return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        now = int(time.time())
        return encode({"alg": "none"}) + "." + encode({"sub": self.principal, "iat": now, "exp": now + 3600}) + "."


def security(args):
    """The client options for --security-protocol and its SASL and TLS settings (kafka-python's names)."""
    options = {"security_protocol": args.security_protocol}
    if args.sasl_mechanism:
        options["sasl_mechanism"] = args.sasl_mechanism
    if args.sasl_mechanism == "OAUTHBEARER":
        options["sasl_oauth_token_provider"] = UnsecuredTokenProvider(args.oauth_principal)
    elif args.sasl_mechanism:
        options.update(sasl_plain_username=args.sasl_username, sasl_plain_password=args.sasl_password)
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        if getattr(args, name):
            options[name] = getattr(args, name)
    return options


def create_topic(args):
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="interop-admin", **security(args))
    admin.create_topics([NewTopic(name=args.topic, num_partitions=args.partitions, replication_factor=args.replication)])
    topics = admin.list_topics()
    admin.close()
    return {"created": args.topic, "listed": args.topic in topics}


def generation(args):
    """The client options that pin kafka-python to a Kafka generation (--api-version 0.10 = message format 1)."""
    return {"api_version": tuple(int(p) for p in args.api_version.split("."))} if args.api_version else {}


def supports_headers(args):
    return not args.api_version or generation(args)["api_version"] >= (0, 11)


def produce(args):
    acks = "all" if args.acks == "all" else int(args.acks)
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks=acks, linger_ms=5, retries=args.retries,
                             compression_type=args.compression, **generation(args), **security(args))
    offsets = []
    for i in range(args.start, args.start + args.count):
        # Record headers exist from message format 2 (Kafka 0.11); kafka-python refuses them before.
        headers = [("index", str(i).encode()), ("origin", b"kafka-python")] if supports_headers(args) else None
        future = producer.send(args.topic, key=f"key-{i}".encode(), value=f"value-{i}".encode(), headers=headers)
        offsets.append(future)
    producer.flush()
    metadata = [f.get(timeout=30) for f in offsets]
    producer.close()
    return {"produced": len(metadata), "partitions": sorted({m.partition for m in metadata})}


def consume(args):
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=10000,
        heartbeat_interval_ms=500,
        **generation(args),
        **security(args),
    )
    records = []
    assignments = []
    started = last_record_at = time.time()
    while True:
        now = time.time()
        if now - started >= args.max_seconds:
            break
        satisfied = len(records) >= args.count if args.count > 0 else records and now - last_record_at >= args.idle_ms / 1000
        if satisfied and now - started >= args.min_seconds:
            break
        batch = consumer.poll(timeout_ms=200)
        for partition_records in batch.values():
            for r in partition_records:
                last_record_at = time.time()
                records.append({"partition": r.partition, "offset": r.offset,
                                "key": r.key.decode() if r.key is not None else None,
                                "value": r.value.decode() if r.value is not None else None,
                                "headers": {k: v.decode() for k, v in r.headers},
                                "timestamp": r.timestamp if r.timestamp is not None else -1})
        if args.commit == "true" and batch:
            consumer.commit()
        current = sorted(tp.partition for tp in consumer.assignment())
        if not assignments or assignments[-1] != current:
            assignments.append(current)
    consumer.close()
    return {"consumed": len(records), "records": records, "assignments": assignments}


def read_partition(args):
    """Reads partition 0 from the beginning without a group for --max-seconds (or until --count records, or with
    --to-end until the end offset the partition had when reading began: with retried, non-idempotent writes the log
    can hold duplicates, so a count of records read does not say everything was read)."""
    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap, enable_auto_commit=False, metadata_max_age_ms=500)
    partition = TopicPartition(args.topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    target_end = consumer.end_offsets([partition])[partition] if args.to_end else None
    values = []
    started = time.time()

    def done():
        if target_end is not None:
            return consumer.position(partition) >= target_end
        return args.count > 0 and len(values) >= args.count

    while time.time() - started < args.max_seconds and not done():
        for partition_records in consumer.poll(timeout_ms=200).values():
            values.extend(r.value.decode() for r in partition_records)
    end = consumer.end_offsets([partition])[partition]
    consumer.close()
    return {"values": values, "end_offset": end}


def committed(args):
    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap, group_id=args.group, enable_auto_commit=False)
    partitions = consumer.partitions_for_topic(args.topic) or set()
    result = {str(p): consumer.committed(TopicPartition(args.topic, p)) for p in sorted(partitions)}
    consumer.close()
    return {"committed": result}


def main():
    parser = driver_parser(["create-topic", "produce", "consume", "committed", "read-partition"])
    parser.add_argument("--to-end", action="store_true", help="read-partition: read up to the end offset seen at the start")
    parser.add_argument("--api-version", help="pin the protocol generation, e.g. 0.9, 0.10, 0.10.1, 0.11")
    parser.add_argument("--compression", choices=["gzip", "snappy", "lz4"])
    parser.add_argument("--acks", choices=["all", "0", "1"], default="all")
    parser.add_argument("--retries", type=int, default=0, help="how often the producer resends a batch (e.g. after a leader change)")
    parser.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"], default="PLAINTEXT")
    parser.add_argument("--sasl-mechanism", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"])
    parser.add_argument("--sasl-username")
    parser.add_argument("--sasl-password")
    parser.add_argument("--oauth-principal", help="the sub of the unsecured OAUTHBEARER token")
    parser.add_argument("--ssl-cafile")
    parser.add_argument("--ssl-certfile")
    parser.add_argument("--ssl-keyfile")
    args = parser.parse_args()
    handler = {"create-topic": create_topic, "produce": produce, "consume": consume, "committed": committed,
               "read-partition": read_partition}[args.command]
    print(json.dumps(handler(args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
