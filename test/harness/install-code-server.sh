#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3: server + web workbench) offline, from the npm registry
# only, into a cache folder (default .vscode-test/code-server-4.100.3). Idempotent: a finished install
# leaves a .installed marker and is reused.
# Needs Debian packages: build-essential python3 libkrb5-dev ripgrep (native modules build from source).
set -euo pipefail
CS_VERSION=4.100.3            # newest code-server whose engines accept Node 20
RG_PKG_VERSION=1.15.11        # @vscode/ripgrep pinned by code-server 4.100.3's npm-shrinkwrap.json
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
DEST=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/.vscode-test/code-server-${CS_VERSION}"}

[ -f "$DEST/.installed" ] && exit 0
command -v rg >/dev/null || { echo "install-code-server: ripgrep missing (apt-get install -y ripgrep)" >&2; exit 1; }
[ -f /usr/include/node/node_version.h ] || { echo "install-code-server: Node headers missing in /usr/include/node" >&2; exit 1; }

# @vscode/ripgrep's postinstall would download rg from GitHub; it first looks in this cache.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-${RG_PKG_VERSION}"
mkdir -p "$RG_CACHE"
if [ ! -f "$RG_CACHE/$RG_ASSET" ]; then
  stage=$(mktemp -d); cp "$(command -v rg)" "$stage/rg"
  tar czf "$RG_CACHE/$RG_ASSET" -C "$stage" rg; rm -rf "$stage"
fi

export npm_config_unsafe_perm=true   # code-server's postinstall refuses root otherwise
export npm_config_yes=true           # node-pty's postinstall runs npx node-gyp
export npm_config_nodedir=/usr       # node-gyp uses local Node headers instead of downloading them
# npm 11 blocks dependency install scripts unless approved; code-server (and the nested install its
# postinstall runs) needs them all, in this throwaway cache folder only.
export npm_config_dangerously_allow_all_scripts=true
echo "install-code-server: installing code-server@${CS_VERSION} into $DEST (about 75 s)"
mkdir -p "$DEST"; cd "$DEST"
cat > package.json <<JSON
{"name":"code-server-host","private":true}
JSON
npm install --no-audit --no-fund --loglevel=error "code-server@${CS_VERSION}"

VS=node_modules/code-server/lib/vscode/node_modules
test -x "$VS/@vscode/ripgrep/bin/rg"
for f in node-pty/build/Release/pty.node @vscode/spdlog/build/Release/spdlog.node kerberos/build/Release/kerberos.node; do
  test -f "$VS/$f" || { echo "install-code-server: missing $f" >&2; exit 1; }
done
touch .installed
echo "install-code-server: done"
