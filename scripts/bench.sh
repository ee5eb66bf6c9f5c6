#!/usr/bin/env bash
# `make bench`: builds the release site and server, then measures bytes to the browser,
# throughput and latency against a baseline, Lighthouse and memory (bench/src/main.rs), and
# writes the Markdown table to target/bench/bench.md. Not part of `make test`.
set -euo pipefail
bash "$(dirname "$0")/setup.sh"
source "$(dirname "$0")/lib.sh"

echo; echo "==> lighthouse@12 (npm)"
LH_DIR="$ROOT/.tools/lighthouse"
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LH_DIR"
  (cd "$LH_DIR" && npm install --silent --no-audit --no-fund --prefix . lighthouse@12 >/dev/null)
fi
echo "    lighthouse $("$LH_DIR/node_modules/.bin/lighthouse" --version)"

echo; echo "==> build: cargo leptos build --release (server + WASM + CSS, brotli/gzip copies)"
START=$(date +%s)
build_site --release
cargo build --release -p bench
echo "    built in $(( $(date +%s) - START ))s"

echo; echo "==> bench"
export BENCH_SERVER="$ROOT/target/release/server"
export BENCH_SITE_ROOT="$ROOT/target/site"
export BENCH_OUT="$ROOT/target/bench/bench.md"
export BENCH_NOTE="commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown), release profile, $(date -u +%Y-%m-%d)"
export LIGHTHOUSE="$LH_DIR/node_modules/.bin/lighthouse"
export CHROME_PATH="${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
"$ROOT/target/release/bench"
