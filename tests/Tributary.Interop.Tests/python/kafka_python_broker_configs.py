"""Drives kafka-python 2.0.2's admin client against broker configs: DescribeConfigs of a broker (with synonyms),
AlterConfigs of the cluster-wide default broker resource (the empty name, as kafka-configs --entity-default sends it)
for a dynamic config and for a read-only one, then DescribeConfigs of another broker and of a topic to see the change.
Prints one JSON object; exit code 0 means no error."""
import argparse
import json

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType


def entries(client, resource_type, name):
    """name -> {value, source, read_only, synonyms: [[name, value, source]]} of one resource."""
    response = client.describe_configs([ConfigResource(resource_type, name)], include_synonyms=True)[0]
    error_code, error_message, _, _, configs = response.resources[0]
    if error_code != 0:
        raise RuntimeError(f"DescribeConfigs {name}: {error_code} {error_message}")
    return {entry[0]: {"value": entry[1], "read_only": entry[2], "source": entry[3], "synonyms": [list(s) for s in entry[5]]}
            for entry in configs}


def alter_default(client, configs):
    """AlterConfigs on the cluster-wide default broker resource: [error code, error message]."""
    response = client.alter_configs([ConfigResource(ConfigResourceType.BROKER, "", configs=configs)])
    error_code, error_message, _, _ = response.resources[0]
    return [error_code, error_message]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    client = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id="config-admin")
    before = entries(client, ConfigResourceType.BROKER, "1")
    dynamic = alter_default(client, {"log.retention.ms": "120000"})
    read_only = alter_default(client, {"num.partitions": "4"})
    after = entries(client, ConfigResourceType.BROKER, "2")
    topic = entries(client, ConfigResourceType.TOPIC, args.topic)
    client.close()
    pick = ["num.partitions", "log.retention.ms", "broker.rack"]
    print(json.dumps({"before": {k: before[k] for k in pick}, "count": len(before), "dynamic": dynamic, "read_only": read_only,
                      "after": {k: after[k] for k in pick}, "topic_retention": topic["retention.ms"]}, separators=(",", ":")))


if __name__ == "__main__":
    main()
