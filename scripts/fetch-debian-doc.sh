#!/usr/bin/env bash
# Fetches a Debian documentation package (e.g. r-doc-html, postgresql-doc-15, debian-reference-en)
# with apt, from the archive this machine already uses, and unpacks it. Prints the directory it
# was unpacked into. Real document collections not written by us, for tests and benchmarks.
# Usage: scripts/fetch-debian-doc.sh PACKAGE [target-dir]   (default: $TMPDIR/folio-bench/PACKAGE)
set -euo pipefail
package="$1"
target="${2:-${TMPDIR:-/tmp}/folio-bench/$package}"
if [ ! -f "$target/.unpacked" ]; then
  mkdir -p "$target"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download "$package" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download "$package" >/dev/null; })
  dpkg-deb -x "$work"/"${package}"_*.deb "$target"
  touch "$target/.unpacked"
fi
echo "$target"
