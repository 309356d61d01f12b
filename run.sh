#!/usr/bin/env bash
# Runs the whole stack locally: Redis, Kafka (librdkafka's mock cluster) and MariaDB, then the three services.
# Arguments go to the AppHost (e.g. --AppHost:Replicas:consumer=3, --AppHost:Mode=external). Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
eng/install-servers.sh
exec dotnet run --project CouponEvent.AppHost -- "$@"
