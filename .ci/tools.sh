#!/usr/bin/env bash
# Installs the build and test tools Datong needs, skipping whatever is already present.
# Usage: .ci/tools.sh build   -> wasm target, cargo-leptos, wasm-bindgen CLI, npm packages (tailwind, wasm-opt)
#        .ci/tools.sh test    -> the above plus Chromium, the end2end npm packages and the SDK's TypeScript
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_LEPTOS_VERSION=0.3.11
log() { printf '\033[1;34m[tools]\033[0m %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    # "install ok installed" only: a removed package keeps a dpkg entry (config-files).
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return 0
  log "adding wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# cargo-leptos 0.3.11's own lockfile needs a newer rustc; rebuild its lock under our toolchain.
cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return 0; fi
  log "building cargo-leptos $CARGO_LEPTOS_VERSION from source (takes ~15 min on 2 cores)"
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/fetch/src"
  cat > "$tmp/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-cargo-leptos"
version = "0.0.0"
edition = "2021"
[dependencies]
cargo-leptos = "=$CARGO_LEPTOS_VERSION"
TOML
  : > "$tmp/fetch/src/lib.rs"
  (cd "$tmp/fetch" && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo fetch -q)
  local src
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" | head -n1)
  cp -r "$src" "$tmp/cargo-leptos"
  cd "$tmp/cargo-leptos"
  rm -f Cargo.lock
  if grep -q '^rust-version' Cargo.toml; then
    sed -i 's/^rust-version *=.*/rust-version = "1.95"/' Cargo.toml
  else
    sed -i '0,/^\[package\]/s//[package]\nrust-version = "1.95"/' Cargo.toml
  fi
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile -q
  cargo install -q --path . --locked --features no_downloads
  cd - >/dev/null
  rm -rf "$tmp"
}

# The CLI must equal the wasm-bindgen crate version in Cargo.lock.
wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  [ -n "$want" ] || { echo "wasm-bindgen not found in Cargo.lock" >&2; exit 1; }
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then return 0; fi
  log "installing wasm-bindgen-cli $want"
  cargo install -q wasm-bindgen-cli --version "$want" --force
}

# Tailwind and wasm-opt (npm binaryen) live in style/, next to the CSS that imports tailwind;
# the Makefile puts style/node_modules/.bin first on PATH.
npm_style() {
  if [ -x style/node_modules/.bin/tailwindcss ] && [ style/node_modules -nt style/package.json ]; then return 0; fi
  log "npm install in style/ (tailwind)"
  (cd style && npm install --no-audit --no-fund --loglevel=error)
  touch style/node_modules
}

npm_end2end() {
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules -nt end2end/package-lock.json ]; then return 0; fi
  log "npm ci in end2end (Playwright, no browser download)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  touch end2end/node_modules
}

# The mini-program SDK's compiler (TypeScript) and Node types, for its tests.
npm_sdk() {
  local dir=frontend/sdk/miniprogram
  if [ -x $dir/node_modules/.bin/tsc ] && [ $dir/node_modules -nt $dir/package-lock.json ]; then return 0; fi
  log "npm ci in $dir (TypeScript)"
  (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
  touch $dir/node_modules
}

case "${1:-build}" in
  build)
    wasm_target; cargo_leptos; wasm_bindgen; npm_style ;;
  test)
    # a CJK font so failure screenshots of Chinese pages are legible
    apt_install chromium fonts-wqy-microhei
    wasm_target; cargo_leptos; wasm_bindgen; npm_style; npm_end2end; npm_sdk ;;
  cargo-leptos) cargo_leptos ;;
  # libfaketime moves the clock of datong and the sandbox in flat_bench (days pass between phases)
  bench) apt_install faketime ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
