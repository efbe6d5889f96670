"""Drives kafka-python (Debian python3-kafka 2.0.2) against a cluster with SASL PLAIN users and ACLs.

Each subcommand authenticates as the user given, does one thing, and prints one JSON object on stdout.
A Kafka error the test expects (an authorization failure) is printed as {"error": "<KafkaError class name>"}
with exit code 0, so the test can assert on the error the client itself raised.
"""
import argparse
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ResourcePattern, ResourcePatternFilter, ResourceType)
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata


def security(args):
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN",
            "sasl_plain_username": args.user, "sasl_plain_password": args.password}


def error_name(error):
    """kafka-python hands back some errors as classes (NoError) and raises others as instances."""
    return error.__name__ if isinstance(error, type) else type(error).__name__


def admin(args):
    return KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="acl-admin", **security(args))


def grant(args):
    """Grants args.principal READ and WRITE on topics starting with args.prefix and READ on group args.group."""
    client = admin(args)
    acls = [
        ACL(args.principal, "*", ACLOperation.WRITE, ACLPermissionType.ALLOW,
            ResourcePattern(ResourceType.TOPIC, args.prefix, ACLResourcePatternType.PREFIXED)),
        ACL(args.principal, "*", ACLOperation.READ, ACLPermissionType.ALLOW,
            ResourcePattern(ResourceType.TOPIC, args.prefix, ACLResourcePatternType.PREFIXED)),
        ACL(args.principal, "*", ACLOperation.READ, ACLPermissionType.ALLOW,
            ResourcePattern(ResourceType.GROUP, args.group, ACLResourcePatternType.LITERAL)),
    ]
    result = client.create_acls(acls)
    described, error = client.describe_acls(ACLFilter(
        principal=args.principal, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
    client.close()
    return {"created": len(result["succeeded"]), "failed": [str(f) for f in result["failed"]],
            "described": sorted(f"{a.resource_pattern.resource_type.name}:{a.resource_pattern.pattern_type.name}:"
                                f"{a.resource_pattern.resource_name}:{a.operation.name}" for a in described),
            "describe_error": error_name(error)}


def revoke(args):
    """Deletes every ACL of args.principal."""
    client = admin(args)
    results = client.delete_acls([ACLFilter(
        principal=args.principal, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))])
    client.close()
    _, matched, error = results[0]
    return {"deleted": len(matched), "error": error_name(error)}


def produce_consume(args):
    """Produces args.count records, consumes them in group args.group and commits; prints what was read."""
    producer = KafkaProducer(bootstrap_servers=args.bootstrap, acks="all", **security(args))
    futures = [producer.send(args.topic, key=f"k{i}".encode(), value=f"v{i}".encode()) for i in range(args.count)]
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    producer.close()

    consumer = KafkaConsumer(args.topic, bootstrap_servers=args.bootstrap, group_id=args.group,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=20000,
                             **security(args))
    values = []
    for message in consumer:
        values.append(message.value.decode())
        if len(values) == args.count:
            break
    consumer.commit()
    committed = sum(consumer.committed(TopicPartition(args.topic, p)) or 0
                    for p in consumer.partitions_for_topic(args.topic))
    consumer.close()
    return {"consumed": len(values), "committed": committed}


def consume_in_group(args):
    """Consumes in group args.group; an error the broker answered is printed, not raised."""
    consumer = KafkaConsumer(args.topic, bootstrap_servers=args.bootstrap, group_id=args.group,
                             auto_offset_reset="earliest", consumer_timeout_ms=20000, **security(args))
    try:
        return {"error": None, "consumed": sum(1 for _ in consumer)}
    except KafkaError as e:
        return {"error": error_name(e)}
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["grant", "revoke", "produce-consume", "consume-in-group"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--principal")
    parser.add_argument("--prefix")
    parser.add_argument("--group")
    parser.add_argument("--topic")
    parser.add_argument("--count", type=int, default=5)
    args = parser.parse_args()
    command = {"grant": grant, "revoke": revoke, "produce-consume": produce_consume, "consume-in-group": consume_in_group}[args.command]
    print(json.dumps(command(args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
