#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver (for the web UI's browser
# tests) when they are missing, and print the exports that point the tests
# at them (eval the output). Idempotent.
set -euo pipefail
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "install-browser: installing Debian's chromium and chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_=""
  [[ $(id -u) -eq 0 ]] || sudo_="sudo"
  $sudo_ apt-get update -qq >&2
  $sudo_ apt-get install -y -qq --no-install-recommends chromium chromium-driver >&2
fi
chromium --version >&2
chromedriver --version >&2
echo "export REGISTRY_TEST_CHROMEDRIVER=$(command -v chromedriver)"
echo "export REGISTRY_TEST_CHROMIUM=$(command -v chromium)"
