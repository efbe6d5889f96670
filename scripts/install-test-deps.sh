#!/usr/bin/env bash
# Installs the real Kafka clients that the interop tests use as peers (clients we did not write):
# kcat, kafka-python, confluent-kafka-python, Burrow (a lag monitor reading __consumer_offsets) and Go with
# three Go clients, Sarama 1.22, segmentio/kafka-go 0.2.1 and optiopay/kafka 2.1.1 (built offline in GOPATH mode
# by their tests, from /usr/share/gocode) from Debian, kafkajs, kafka-node, @platformatic/kafka, kafka-ts and no-kafka
# from npm. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v kcat >/dev/null || missing+=(kcat)
/usr/bin/python3 -c 'import kafka' 2>/dev/null || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || missing+=(python3-confluent-kafka)
command -v Burrow >/dev/null || missing+=(burrow)
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Shopify/sarama ] || missing+=(golang-github-shopify-sarama-dev)
# kafka-go's package brings its codecs' libraries (lz4, snappy) and golang.org/x/net along as dependencies.
[ -d /usr/share/gocode/src/github.com/segmentio/kafka-go ] || missing+=(golang-github-segmentio-kafka-go-dev)
[ -d /usr/share/gocode/src/github.com/optiopay/kafka ] || missing+=(golang-github-optiopay-kafka-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The npm clients live in the interop tests' own node folder, pinned by its package-lock.json. Install
# scripts are skipped: only kafka-node's optional native snappy has one, and the tests use gzip with kafka-node.
node_dir=tests/Tributary.Interop.Tests/node
if [ -f $node_dir/package.json ] && { [ ! -d $node_dir/node_modules/kafkajs ] || [ ! -d $node_dir/node_modules/kafka-node ] || [ ! -d $node_dir/node_modules/@platformatic/kafka ] \
  || [ ! -d $node_dir/node_modules/kafka-ts ] || [ ! -d $node_dir/node_modules/no-kafka ]; }; then
  (cd $node_dir && npm ci --no-audit --no-fund --silent --ignore-scripts)
fi
