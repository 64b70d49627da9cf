#!/usr/bin/env bash
# Re-fetches the web client's libraries at the exact versions below with
# `npm pack` (the npm registry is the only source) and copies each
# package's own ES module build and licence here. The one change made to
# them: bare imports ("preact", "preact/hooks", ...) become relative paths
# to the files beside them, since a browser without an import map (which
# would need inline script, refused by the client's CSP) resolves only
# paths; and the `sourceMappingURL` comments go, as no maps are served.
# Bump a version here, run it, update README.md and run tests/web.
set -euo pipefail
cd "$(dirname "$0")"

PREACT=10.29.8
HTM=3.1.1
SIGNALS=2.11.4
SIGNALS_CORE=1.14.5
GRAPHQL_WS=6.4.2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch PACKAGE VERSION DIR: unpacks the package's tarball into $work/DIR.
fetch() {
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$1@$2" | tail -n 1)
  mkdir -p "$work/$3"
  tar -xzf "$work/$tarball" -C "$work/$3"
}

fetch preact "$PREACT" preact
fetch htm "$HTM" htm
fetch @preact/signals "$SIGNALS" signals
fetch @preact/signals-core "$SIGNALS_CORE" signals-core
fetch graphql-ws "$GRAPHQL_WS" graphql-ws

# take SOURCE TARGET: copies one module, pointing its imports at the
# vendored files and dropping its source map comment.
take() {
  sed -E \
    -e 's#from ?"preact/hooks"#from"./hooks.js"#g' \
    -e 's#from ?"preact"#from"./preact.js"#g' \
    -e 's#from ?"@preact/signals-core"#from"./signals-core.js"#g' \
    -e "s#from '\./common-[A-Za-z0-9_-]+\.js'#from './graphql-ws-common.js'#g" \
    -e '/^\/\/# sourceMappingURL=/d' \
    "$1" > "$2"
}

take "$work/preact/package/dist/preact.module.js" preact.js
take "$work/preact/package/hooks/dist/hooks.module.js" hooks.js
take "$work/htm/package/dist/htm.module.js" htm.js
take "$work/signals/package/dist/signals.module.js" signals.js
take "$work/signals-core/package/dist/signals-core.module.js" signals-core.js
take "$work/graphql-ws/package/dist/client.js" graphql-ws.js
take "$(ls "$work"/graphql-ws/package/dist/common-*.js)" graphql-ws-common.js

mkdir -p licenses
cp "$work/preact/package/LICENSE" licenses/preact.txt
cp "$work/htm/package/LICENSE" licenses/htm.txt
cp "$work/signals/package/LICENSE" licenses/preact-signals.txt
cp "$work/signals-core/package/LICENSE" licenses/preact-signals-core.txt
cp "$work/graphql-ws/package/LICENSE.md" licenses/graphql-ws.txt

# Every import left must be relative: a bare one would fail in the browser.
if grep -nE '(^|[;}])\s*(import|export)[^;]*from ?["'"'"'][^.]' ./*.js; then
  echo "a bare import is left (above); extend take()" >&2
  exit 1
fi
for f in ./*.js; do
  printf '%s %s bytes, %s gzipped\n' "$f" "$(wc -c < "$f")" "$(gzip -9c "$f" | wc -c)"
done
sha256sum ./*.js
