#!/bin/sh
# The gateway load run: direct vs. Gatehouse (authorizing by client certificate and by bearer JWT; --auth
# mtls|jwt|both) vs. nginx grpc_pass, mTLS on every leg, client, upstream and gateways in separate JVMs. Builds
# the bench jar, installs Debian's nginx when it is missing and apt-get is usable, then runs
# dev.gatehouse.bench.load.LoadHarness with the given options (--help lists them).
# Writes the Markdown report to gatehouse-bench/results/gateway-<date>.md.
set -eu
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -q -pl gatehouse-bench -am package -DskipTests
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[bench] nginx is missing: installing Debian's nginx for the peer-proxy comparison" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    if ! apt-get install -y -qq nginx-light >/dev/null 2>&1 && ! apt-get install -y -qq nginx >/dev/null 2>&1; then
      echo "[bench] could not install nginx; the run goes on without the nginx comparison" >&2
    fi
  else
    echo "[bench] nginx is missing and apt-get is not usable as root here; the run goes on without it" >&2
  fi
fi

. ./.mvn/select-jdk.sh
exec "$JAVA_HOME/bin/java" -Xms256m -Xmx1g --enable-native-access=ALL-UNNAMED -cp gatehouse-bench/target/gatehouse-bench.jar \
  dev.gatehouse.bench.load.LoadHarness "$@"
