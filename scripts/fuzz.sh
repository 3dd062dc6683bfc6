#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 30s): each
# `func FuzzXxx(f *testing.F)` in a _test.go file tracked by git, found anew
# on every run, so that a new target cannot be left out. With -l, lists the
# targets as "package target" and runs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}

targets() {
  git ls-files -z -- '*_test.go' |
    xargs -0 grep -H -o -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' |
    sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*).*#./\1/ \2#; s#^[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*).*#./ \1#' |
    sort -u
}

if [ "${1:-}" = "-l" ]; then
  targets
  exit 0
fi

list=$(targets)
if [ -z "$list" ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi
while read -r pkg target; do
  echo "== $target ($pkg, $FUZZTIME)"
  "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
done <<<"$list"
