#!/usr/bin/env bash
# `make bench`: builds the release site and server, then measures bytes to the browser,
# throughput and latency against a baseline, Lighthouse and memory (bench/src/main.rs), and
# writes the Markdown table to target/bench/bench.md. Not part of `make test`.
set -euo pipefail
bash "$(dirname "$0")/setup.sh" bench
source "$(dirname "$0")/lib.sh"

echo; echo "==> wrk (Debian), the load generator"
if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
echo "    $(wrk -v 2>&1 | head -1)"
export WRK="$(command -v wrk)" BENCH_WRK_SCRIPT="$ROOT/bench/wrk/bench.lua"

echo; echo "==> lighthouse@12 (npm)"
LH_DIR="$ROOT/.tools/lighthouse"
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LH_DIR"
  (cd "$LH_DIR" && npm install --silent --no-audit --no-fund --prefix . lighthouse@12 >/dev/null)
fi
echo "    lighthouse $("$LH_DIR/node_modules/.bin/lighthouse" --version)"

echo; echo "==> the anchor: Amplify UI's Authenticator (bench/amplify), Vite production build"
AMP="$ROOT/.tools/amplify"
mkdir -p "$AMP"
cp -r "$ROOT"/bench/amplify/{package.json,package-lock.json,index.html,vite.config.js,src} "$AMP/"
if ! cmp -s "$AMP/package-lock.json" "$AMP/node_modules/.package-lock.json.installed" 2>/dev/null; then
  (cd "$AMP" && npm ci --silent --no-audit --no-fund >/dev/null)
  cp "$AMP/package-lock.json" "$AMP/node_modules/.package-lock.json.installed"
fi
(cd "$AMP" && npx vite build --logLevel warn)
# Compressed like our assets (brotli 11, gzip 9), served as they are.
find "$AMP/dist" -type f ! -name '*.br' ! -name '*.gz' | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"; gzip -f -k -n -9 "$f"
done
echo "    @aws-amplify/ui-react $(node -p "require('$AMP/node_modules/@aws-amplify/ui-react/package.json').version"), aws-amplify $(node -p "require('$AMP/node_modules/aws-amplify/package.json').version"), vite $(node -p "require('$AMP/node_modules/vite/package.json').version")"

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
export BENCH_AMPLIFY="$AMP/dist"
export BENCH_REDIS="$(command -v redis-server)"
export CHROME_PATH="${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
"$ROOT/target/release/bench"
