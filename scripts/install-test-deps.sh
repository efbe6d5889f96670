#!/usr/bin/env bash
# Installs the real Kafka clients that the interop tests use as peers. Idempotent: skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."
# Filled in as interop tests arrive; see tests/Tributary.Interop.Tests.
