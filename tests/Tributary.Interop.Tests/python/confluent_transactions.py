"""Drives confluent-kafka-python (librdkafka 2.0.2 from Debian) through consume-transform-produce for the
interop tests: a read_committed consumer in a group, a transactional producer that writes upper-cased copies
and sends the consumer's offsets with send_offsets_to_transaction. The first round is aborted, the second
committed. Prints one JSON object; exit code 0 means no error."""
import argparse
import json
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--transactional-id", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=30)
    return parser.parse_args()


def consume(consumer, count, max_seconds):
    records = []
    deadline = time.time() + max_seconds
    while len(records) < count and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            raise RuntimeError(str(message.error()))
        records.append(message)
    if len(records) < count:
        raise RuntimeError(f"consumed {len(records)} of {count} records")
    return records


def transform(producer, consumer, records, output, commit):
    producer.begin_transaction()
    for record in records:
        producer.produce(output, key=record.key(), value=record.value().upper())
    producer.flush(30)
    positions = consumer.position(consumer.assignment())
    producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def main():
    args = parse_args()
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    producer = Producer({"bootstrap.servers": args.bootstrap, "transactional.id": args.transactional_id, "linger.ms": 0})
    producer.init_transactions(30)
    consumer.subscribe([args.input])
    records = consume(consumer, args.count, args.max_seconds)
    transform(producer, consumer, records, args.output, commit=False)
    transform(producer, consumer, records, args.output, commit=True)
    committed = consumer.committed(consumer.assignment(), 30)
    consumer.close()
    print(json.dumps({
        "consumed": len(records),
        "committed": {f"{tp.topic}/{tp.partition}": tp.offset for tp in committed},
    }))


if __name__ == "__main__":
    main()
