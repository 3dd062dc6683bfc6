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
echo "== A request on an old blueprint version: dip/v1 of PostgresDatabase is deprecated"
cat > "$repo/requests/catalog/search-db.yaml" <<'YAML'
# The search index's database, asked for before dip/v2.
apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: search-db
  team: catalog
spec:
  environments: [staging, production]
  size: small      # enough for the index
  storageGB: 50
  overrides:
    production: {size: large, highAvailability: true}
YAML
(cd "$repo" && git add -A && git -c user.name=demo -c user.email=demo@example.invalid commit -q -m "Ask for the search database")
"$dip" validate --repo "$repo"
echo "   (a warning, not a failure: exit code 0)"
echo
echo "== dip migrate: the codemod's patch, proved to change no rendered infrastructure"
"$dip" migrate --repo "$repo"
echo
echo "== dip migrate --write, then validate again"
"$dip" migrate --repo "$repo" --write
"$dip" validate --repo "$repo"
git -C "$repo" --no-pager diff --stat
echo
echo "== Now break something: an instance class that is not one and a misspelt field"
sed -i 's/^  instanceClass: db.t4g.small$/  instanceClass: small/; s/^    sizeGB: 20$/    sizeGb: 20/' "$repo/requests/payments/orders-db.yaml"
set +e
"$dip" validate --repo "$repo"
code=$?
set -e
echo "   (exit code $code: 1 means findings, 2 a usage or internal error)"
echo
echo "The scratch repo stays in $work; remove it when done."
