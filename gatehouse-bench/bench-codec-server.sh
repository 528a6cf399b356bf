#!/usr/bin/env bash
# Codec server load: builds gatehouse-bench and runs dev.gatehouse.bench.codecserver.CodecServerLoad on the newest
# JDK found: single-payload POST /decode over HTTPS with JWT auth and keep-alive from N concurrent clients, with the
# in-process EncryptionCodec.decode and the in-process request work (JSON + authorization + decode) as baselines.
#
#   gatehouse-bench/bench-codec-server.sh                                  # 8 clients, 256 B, 5 s warm-up, 10 s
#   gatehouse-bench/bench-codec-server.sh --clients 2 --size 1024 --seconds 20
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=../.mvn/select-jdk.sh
. .mvn/select-jdk.sh
./mvnw -q -pl gatehouse-bench -am package -DskipTests

run_home="${GATEHOUSE_BENCH_JAVA_HOME:-$(gatehouse_newest_jdk)}"
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)
echo "JDK: $("$run_home/bin/java" -version 2>&1 | head -n 1) ($run_home); load average: $load"
exec "$run_home/bin/java" -cp gatehouse-bench/target/gatehouse-bench.jar \
  dev.gatehouse.bench.codecserver.CodecServerLoad "$@"
