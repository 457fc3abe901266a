#!/usr/bin/env bash
# Fetches the HTML manual of Python 3.11 (Debian's python3.11-doc package) for the benchmarks:
# a real document collection not written by us. Prints the directory holding the HTML pages.
# Usage: scripts/fetch-python-docs.sh [target-dir]   (default: $TMPDIR/folio-bench/python3.11-doc)
set -euo pipefail
target="${1:-${TMPDIR:-/tmp}/folio-bench/python3.11-doc}"
html="$target/usr/share/doc/python3.11/html"
if [ ! -f "$html/index.html" ]; then
  mkdir -p "$target"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download python3.11-doc >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download python3.11-doc >/dev/null; })
  dpkg-deb -x "$work"/python3.11-doc_*.deb "$target"
fi
echo "$html"
