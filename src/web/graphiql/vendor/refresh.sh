#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL assets at the exact versions below with
# `npm pack` (the npm registry is the only source) and copies the browser
# builds and each package's LICENSE beside them. No build step: these are
# the packages' own UMD bundles, unchanged. Bump a version here, run it,
# update README.md (versions, sizes and checksums) and run tests/web.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=4.1.2   # the last GraphiQL with a UMD build (5.x ships ES modules and workers only)
REACT=18.3.1     # the newest React with a UMD build (React 19 ships none); GraphiQL 4 takes 18 or 19
# GraphiQL's stylesheet embeds the Roboto and Fira Code typefaces without
# their licence; these packages carry it (SIL OFL 1.1).
ROBOTO=5.3.0
FIRA_CODE=5.3.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch PACKAGE VERSION DIR: unpacks the package's tarball into $work/DIR.
fetch() {
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$1@$2" | tail -n 1)
  mkdir -p "$work/$3"
  tar -xzf "$work/$tarball" -C "$work/$3"
}

fetch graphiql "$GRAPHIQL" graphiql
fetch react "$REACT" react
fetch react-dom "$REACT" react-dom
fetch @fontsource/roboto "$ROBOTO" roboto
fetch @fontsource/fira-code "$FIRA_CODE" fira-code

mkdir -p graphiql react react-dom
cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" \
   "$work/graphiql/package/LICENSE" graphiql/
cp "$work/roboto/package/LICENSE" graphiql/LICENSE.Roboto
cp "$work/fira-code/package/LICENSE" graphiql/LICENSE.FiraCode
cp "$work/react/package/umd/react.production.min.js" "$work/react/package/LICENSE" react/
cp "$work/react-dom/package/umd/react-dom.production.min.js" "$work/react-dom/package/LICENSE" react-dom/

sha256sum graphiql/*.min.* react/*.js react-dom/*.js
