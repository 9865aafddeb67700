#!/usr/bin/env bash
# A Terraform module's CI, as the GitHub Action (ci/github/action.yml) and
# the GitLab template (ci/gitlab/registry-module.gitlab-ci.yml) run it:
# validate it, run its .tftest.hcl tests with a JUnit report, check that its
# README holds the generated docs, and on a release tag publish the version
# with the CI job's OIDC identity (a trusted publisher on the registry; no
# secret stored in the CI system).
#
# Environment:
#   MODULE_DIR        the module's folder (default .)
#   JUNIT_XML         the test report (default registry-test.xml)
#   RELEASE_TAG       the tag being built; empty: check only, never publish
#   TAG_PATTERN       which tags are versions (default v{version})
#   REGISTRY_SERVER   the registry (https://registry.example.com), to publish
#   REGISTRY_MODULE   NS/NAME/SYSTEM, to publish
#   OIDC_TOKEN_ENV    the variable holding the identity token (GitLab's id_tokens: name)
#   OIDC_AUDIENCE     the audience asked of GitHub Actions (default the server's host)
# The registry CLI must be on PATH as `registry`.
set -euo pipefail

dir="${MODULE_DIR:-.}"
junit="${JUNIT_XML:-registry-test.xml}"

echo "--- registry validate $dir"
registry validate "$dir"

echo "--- registry test $dir"
if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null || compgen -G "$dir/*.tftest.hcl" >/dev/null; then
  registry test "$dir" --junit-xml "$junit"
else
  echo "no .tftest.hcl files in $dir; nothing to test"
fi

echo "--- docs"
if compgen -G "$dir/.terraform-docs.y*ml" >/dev/null || [ -f "$dir/.terraform-docs.json" ]; then
  registry docs "$dir" --output-check
elif [ -f "$dir/README.md" ] && grep -q 'BEGIN_TF_DOCS' "$dir/README.md"; then
  registry docs inject "$dir" --check
else
  echo "no .terraform-docs.yml and no BEGIN_TF_DOCS markers in $dir/README.md; docs not checked"
fi

tag="${RELEASE_TAG:-}"
if [ -z "$tag" ]; then
  echo "--- not a release tag; nothing published"
  exit 0
fi
default_pattern='v{version}'
pattern="${TAG_PATTERN:-$default_pattern}"
case "$pattern" in
  *"{version}"*) ;;
  *) echo "TAG_PATTERN $pattern holds no {version}" >&2; exit 2 ;;
esac
prefix="${pattern%%"{version}"*}"
suffix="${pattern#*"{version}"}"
version="${tag#"$prefix"}"
version="${version%"$suffix"}"
if [ "$prefix$version$suffix" != "$tag" ] || [ -z "$version" ]; then
  echo "--- tag $tag does not match $pattern; nothing published"
  exit 0
fi
: "${REGISTRY_SERVER:?set REGISTRY_SERVER to publish}"
: "${REGISTRY_MODULE:?set REGISTRY_MODULE (NS/NAME/SYSTEM) to publish}"
args=(publish "$REGISTRY_MODULE" "$version" "$dir" --oidc --server "$REGISTRY_SERVER")
[ -n "${OIDC_TOKEN_ENV:-}" ] && args+=(--oidc-token-env "$OIDC_TOKEN_ENV")
[ -n "${OIDC_AUDIENCE:-}" ] && args+=(--oidc-audience "$OIDC_AUDIENCE")
echo "--- registry ${args[*]}"
registry "${args[@]}"
