#!/usr/bin/env bash
# Builds the Parca server (github.com/parca-dev/parca/cmd/parca) from the Go module proxy into
# a cache folder, for the tests that fetch merged profiles from a real Parca. Parca is built
# through a small module of our own that requires it (no Parca source is kept in this repo);
# its API is all the tests use (the web UI is not needed). About 13 minutes cold on 2 cores,
# a ~220 MiB binary. Idempotent: a finished build is reused.
#
# Usage: scripts/setup-parca.sh [CACHE_DIR]
#   CACHE_DIR defaults to $GMI_PARCA_DIR, else ~/.cache/go-memory-insight/parca-$PARCA_VERSION
#   (outside the checkout, so CI's fresh clones on one machine build it once).
# The binary ends up at CACHE_DIR/parca. GOPROXY and the other go settings come from the
# environment; GOFLAGS gets -mod=mod.
set -euo pipefail
PARCA_VERSION="${PARCA_VERSION:-v0.28.0}"
cache="${1:-${GMI_PARCA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/go-memory-insight/parca-$PARCA_VERSION}}"
stamp="$cache/.built"
if [ -f "$stamp" ] && [ -x "$cache/parca" ]; then
  echo "parca $PARCA_VERSION already built in $cache"
  exit 0
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="-mod=mod ${GOFLAGS:-}"
rm -rf "$cache"
mkdir -p "$cache/module"
cd "$cache/module"
cat > go.mod <<MOD
module gmi.test/parca-build

go 1.25.0
MOD
# A tools file makes the requirement part of the build list, so `go mod tidy` keeps it.
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/parca-dev/parca/cmd/parca"
GO
echo "Resolving github.com/parca-dev/parca@$PARCA_VERSION"
go get "github.com/parca-dev/parca/cmd/parca@$PARCA_VERSION"
go mod tidy
started=$(date +%s)
echo "Building parca $PARCA_VERSION (this takes a while)"
go build -trimpath -o "$cache/parca.tmp" github.com/parca-dev/parca/cmd/parca
mv "$cache/parca.tmp" "$cache/parca"
"$cache/parca" --version || true
echo "$PARCA_VERSION built in $(( $(date +%s) - started ))s" > "$stamp"
echo "parca $PARCA_VERSION built in $cache ($(cat "$stamp"))"
