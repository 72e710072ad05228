#!/usr/bin/env bash
# Receive benchmark: starts Gatehouse on a private data directory and pushes messages into it
# with gatehouse-load for concurrency 1, 10, 50 and sizes 1 KiB, 10 KiB; prints one line per run.
# Usage: bench/load.sh [MESSAGES]   (default 5000 per run)
# Environment: TRACKING=on|off (default on), SIZES="1024 10240", CONCURRENCY="1 10 50".
# Delivery is off: this measures receiving (accept, spool, sync, and the scheduler's first read and
# RECEIVE tracking event), not delivery.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-5000}"
tracking="${TRACKING:-on}"
sizes="${SIZES:-1024 10240}"
concurrency="${CONCURRENCY:-1 10 50}"
work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/bench.yaml" <<YAML
servers:
  - name: bench
    hostname: bench.localhost
    data_directory: $work/data
    listeners:
      - port: 2599
        address: 127.0.0.1
    admin:
      port: 8599
smtp:
  max_connections_per_client: 1000
logging:
  level: warning
delivery:
  enabled: false
tracking:
  enabled: $([[ $tracking == off ]] && echo false || echo true)
YAML
"$here/gatehouse" --version >/dev/null   # build first, outside the measurement
dotnet build "$here/bench/Gatehouse.Bench.Load" -c Release -o "$work/load" -nologo -v quiet >/dev/null
"$here/gatehouse" serve --config "$work/bench.yaml" > "$work/serve.log" 2>&1 &
for _ in $(seq 100); do curl -sf http://127.0.0.1:8599/healthz >/dev/null 2>&1 && break; sleep 0.1; done
echo "# tracking $tracking; $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(df -T "$work" | awk 'NR==2{print $2}') spool; $(date -u +%FT%TZ)"
# CPU seconds the server process (the dotnet child of the wrapper) has used: utime + stime in clock ticks.
cpu() { local pid; pid=$(pgrep -f "gatehouse.dll serve --config $work/bench.yaml" | head -1); awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$pid/stat"; }
for size in $sizes; do
  for c in $concurrency; do
    before=$(cpu)
    line=$(dotnet "$work/load/gatehouse-load.dll" --server 127.0.0.1:2599 --messages "$n" --concurrency "$c" --size "$size" --metrics http://127.0.0.1:8599/metrics)
    after=$(cpu)
    echo "$line server_cpu_s_per_1000=$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN{printf "%.2f", (a-b)*1000/n}')"
    rm -f "$work"/data/spool/queue/* # keep the queue directory from growing across runs
  done
done
