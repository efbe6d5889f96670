"""The command line both client drivers (kafka_python_client.py, confluent_kafka_client.py) share, so the tests
drive either client with the same options."""
import argparse


def driver_parser(commands):
    """A parser for one of the commands, with the topic, count, group and timing options every driver takes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=commands)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--replication", type=int, default=1)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--group")
    parser.add_argument("--commit", choices=["true", "false"], default="false")
    parser.add_argument("--idle-ms", type=int, default=3000)
    parser.add_argument("--min-seconds", type=float, default=0)
    parser.add_argument("--max-seconds", type=float, default=30)
    return parser
