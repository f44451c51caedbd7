"""Reads a VobeMusic topic from its beginning to its current end and prints each record as
one JSON line: partition, offset, key, event type and the decoded value.

Values are Avro in the Confluent wire format: byte 0 is a magic 0, bytes 1-4 the schema id
(big-endian), the rest the Avro body. The writer's schema comes from the registry's
Confluent-compatible API (GET /schemas/ids/<id>), and fastavro decodes the body with it.

Settings, from the environment:
  KAFKA_BOOTSTRAP        default 127.0.0.1:9092
  SCHEMA_REGISTRY_URL    default http://127.0.0.1:8081/apis/ccompat/v7
  KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM (default SCRAM-SHA-256):
                         when set, the reader signs in with SASL (over PLAINTEXT here)

    python read_topic.py listening.plays --max 10
"""

import argparse
import io
import json
import os
import struct
import sys
import urllib.request
from datetime import date, datetime
from uuid import UUID

import fastavro
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

REGISTRY = os.environ.get("SCHEMA_REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7")
_schemas = {}


def writer_schema(schema_id):
    if schema_id not in _schemas:
        with urllib.request.urlopen(f"{REGISTRY}/schemas/ids/{schema_id}") as response:
            schema = json.loads(json.load(response)["schema"])
        _schemas[schema_id] = fastavro.parse_schema(schema)
    return _schemas[schema_id]


def decode(value):
    magic, schema_id = struct.unpack(">bI", value[:5])
    if magic != 0:
        raise ValueError("not the Confluent wire format")
    schema = writer_schema(schema_id)
    return schema["name"].split(".")[-1], fastavro.schemaless_reader(io.BytesIO(value[5:]), schema)


def consumer_config():
    config = {
        "bootstrap.servers": os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        # Analysts' consumer groups are named analyst-…; nothing is committed here.
        "group.id": "analyst-quickstart",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    }
    if os.environ.get("KAFKA_SASL_USERNAME"):
        config.update({
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": os.environ.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256"),
            "sasl.username": os.environ["KAFKA_SASL_USERNAME"],
            "sasl.password": os.environ["KAFKA_SASL_PASSWORD"],
        })
    return config


def as_json(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(type(value))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("topic")
    parser.add_argument("--max", type=int, default=None, help="stop after this many records")
    args = parser.parse_args()

    consumer = Consumer(consumer_config())
    partitions = consumer.list_topics(args.topic, timeout=10).topics[args.topic].partitions
    # Bounded: from the beginning of each partition to its end now.
    ends = {}
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(args.topic, p), timeout=10)
        if high > low:
            ends[p] = high
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in ends])
    count = 0
    while ends and (args.max is None or count < args.max):
        message = consumer.poll(5.0)
        if message is None:
            break
        if message.error():
            raise RuntimeError(message.error())
        p = message.partition()
        if message.offset() + 1 >= ends.get(p, 0):
            ends.pop(p, None)
        event_type, value = (None, None) if message.value() is None else decode(message.value())
        print(json.dumps({
            "partition": p,
            "offset": message.offset(),
            "key": message.key().decode() if message.key() else None,
            "type": event_type,
            "value": value,
        }, default=as_json))
        count += 1
    consumer.close()
    print(f"{count} records", file=sys.stderr)


if __name__ == "__main__":
    main()
