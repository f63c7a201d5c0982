#!/usr/bin/env bash
# The same closed-loop load against `panllama serve` and llama-server: same model, same number of slots, same
# per-slot context, both on loopback. Writes target/serving-load/{panllama,llama-server}.{json,md} and
# comparison.md (panllama / llama-server ratios of throughput and TTFT p50/p99).
#   benchmarks/serving-load.sh                       # stories260K, 4 clients, 200 requests of 64 tokens
#   CONCURRENCY=8 REQUESTS=400 MAX_TOKENS=128 MODEL=/path/model.gguf benchmarks/serving-load.sh
# Needs: `mvn -pl cli,benchmarks -am package -DskipTests` done, and llama.cpp's tools built
# (native-build/build-natives.sh --tools).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=${MODEL:-$root/../shared/models/stories260K.gguf}
concurrency=${CONCURRENCY:-4}
requests=${REQUESTS:-200}
max_tokens=${MAX_TOKENS:-64}
ctx=${CTX_PER_SLOT:-256}
threads=${THREADS:-1} # tiny default model: one CPU thread each keeps both servers off spin-wait contention
seconds=${MAX_SECONDS:-300}
out=${OUT:-$root/target/serving-load}
tools=${LLAMA_TOOLS:-$HOME/.cache/panllama/native/v0.5.0/linux-x86_64-cpu/bin}
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
port_panllama=${PORT_PANLLAMA:-18431}
port_llama=${PORT_LLAMA:-18432}
[ -f "$model" ] || { echo "no model at $model (set MODEL)" >&2; exit 1; }
[ -x "$tools/llama-server" ] || { echo "no llama-server in $tools (native-build/build-natives.sh --tools)" >&2; exit 1; }
[ -f "$root/cli/target/panllama-cli.jar" ] && [ -d "$root/benchmarks/target/classes" ] \
  || { echo "build first: mvn -pl cli,benchmarks -am package -DskipTests" >&2; exit 1; }
mkdir -p "$out"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_healthy() {
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not become healthy" >&2; exit 1
}

load() { # label port
  "$java" -cp "$root/benchmarks/target/classes:$root/cli/target/lib/*" dev.panllama.benchmarks.load.ServingLoadGenerator \
    --url "http://127.0.0.1:$2" --label "$1" --concurrency "$concurrency" --requests "$requests" \
    --max-tokens "$max_tokens" --seconds "$seconds" --out "$out"
}

# one server at a time, so they never compete for the CPU
"$java" --enable-native-access=ALL-UNNAMED -cp "$root/cli/target/panllama-cli.jar:$root/cli/target/lib/*" dev.panllama.cli.Main \
  serve -m "$model" --port "$port_panllama" --max-num-seqs "$concurrency" --max-model-len "$ctx" --threads "$threads" \
  --served-model-name stories >"$out/panllama-server.log" 2>&1 &
pids+=($!)
wait_healthy "$port_panllama"
load panllama "$port_panllama"
cleanup; pids=()

"$tools/llama-server" -m "$model" --host 127.0.0.1 --port "$port_llama" -np "$concurrency" -c $((ctx * concurrency)) -t "$threads" \
  >"$out/llama-server.log" 2>&1 &
pids+=($!)
wait_healthy "$port_llama"
load llama-server "$port_llama"
cleanup; pids=()

"$java" -cp "$root/benchmarks/target/classes:$root/cli/target/lib/*" dev.panllama.benchmarks.load.LoadComparison \
  "$out/panllama.json" "$out/llama-server.json" "$out"
