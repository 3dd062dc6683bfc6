#!/usr/bin/env bash
# Refreshes webhook/testdata/octokit/ from the npm package
# @octokit/webhooks-examples: GitHub's published example payloads of every
# webhook event and action, for github.com and GitHub Enterprise Server.
# The tests read the package's tarball as npm packs it; they never reach
# the network. Usage: scripts/refresh-webhook-examples.sh [VERSION]
set -euo pipefail
version=${1:-latest}
dest=$(realpath "$(dirname "$0")/../webhook/testdata/octokit")
work=$(mktemp -d "${TMPDIR:-/tmp}/webhooks-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@octokit/webhooks-examples@$version" >/dev/null)
tarball=$(ls "$work"/octokit-webhooks-examples-*.tgz)
tar -xzf "$tarball" -C "$work" package/package.json
license=$(sed -n 's/^ *"license": *"\(.*\)",*$/\1/p' "$work/package/package.json")
if [ "$license" != MIT ]; then
	echo "the package's license is now ${license:-unknown}, not MIT: check it before committing" >&2
	exit 1
fi
rm -f "$dest"/octokit-webhooks-examples-*.tgz
cp "$tarball" "$dest/"
echo "$(basename "$tarball") -> $dest"
