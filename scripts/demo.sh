#!/usr/bin/env bash
# Runs dip on a copy of platform-repo-template in a scratch git repo, the way a
# platform team starts, and shows what to look at. No GitHub account needed.
set -euo pipefail
dip=$(realpath "${1:-bin/dip}")
template=$(realpath "$(dirname "$0")/../platform-repo-template")
work=$(mktemp -d "${TMPDIR:-/tmp}/dip-demo.XXXXXX")
repo="$work/platform"

cp -r "$template" "$repo"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "Start the acme platform repo"

echo "== A platform repo, copied from platform-repo-template into $repo"
(cd "$repo" && find platform.yaml teams requests -type f | sort | sed 's/^/   /')
echo
echo "== dip validate"
"$dip" validate --repo "$repo"
echo
echo "== dip render"
"$dip" render --repo "$repo"
echo
echo "== What to look at"
echo "   The request:    $repo/requests/payments/orders-db.yaml"
echo "   Its Terraform:  $repo/rendered/production/payments/orders-db/terraform/main.tf"
echo "   A service:      $repo/rendered/production/payments/orders-api/kubernetes/deployment.yaml"
echo
sed -n '1,25p' "$repo/rendered/production/payments/orders-db/terraform/main.tf" | sed 's/^/   | /'
echo "   | ..."
echo
echo "== Now break something: an unknown size and a misspelt field"
sed -i 's/^  size: small$/  size: huge/; s/^  storageGB: 20$/  storageGb: 20/' "$repo/requests/payments/orders-db.yaml"
set +e
"$dip" validate --repo "$repo"
code=$?
set -e
echo "   (exit code $code: 1 means findings, 2 a usage or internal error)"
echo
echo "The scratch repo stays in $work; remove it when done."
