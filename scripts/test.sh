#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the external Kafka clients the interop tests drive,
# then builds and tests the whole solution. This is the command README.md and .ci/run name.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

dotnet test Tributary.slnx -c Release "$@"
