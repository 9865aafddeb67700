#!/usr/bin/env bash
# Install the OpenID provider the sign-in tests run against: npm's
# `oidc-provider` (a certified OpenID Connect implementation) on the Node
# installed here, into .tools/oidc; print the exports that point the tests
# at it and at scripts/oidc-provider.mjs, which serves it (eval the output).
# Idempotent.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$repo/.tools/oidc"
version="8.8.1"
command -v node >/dev/null || { echo "install-oidc-provider: node is missing" >&2; exit 1; }
if [ ! -f "$prefix/node_modules/oidc-provider/package.json" ] ||
   ! grep -q "\"version\": \"$version\"" "$prefix/node_modules/oidc-provider/package.json"; then
  echo "install-oidc-provider: installing oidc-provider@$version" >&2
  mkdir -p "$prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" "oidc-provider@$version" >&2
fi
echo "install-oidc-provider: oidc-provider $(node -p "require('$prefix/node_modules/oidc-provider/package.json').version") on node $(node --version)" >&2
echo "export REGISTRY_TEST_OIDC_PROVIDER=$repo/scripts/oidc-provider.mjs"
echo "export REGISTRY_TEST_OIDC_NODE_PATH=$prefix/node_modules"
