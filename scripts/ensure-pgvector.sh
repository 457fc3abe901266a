#!/usr/bin/env bash
# Makes sure the local PostgreSQL server can `CREATE EXTENSION vector`.
#
# pgvector is not packaged for every Debian release (bookworm has none), so when the extension
# is missing this builds it from the source package of a newer Debian release against the
# installed server. The archive address is read from this machine's own apt sources; apt fetches
# and verifies the source package (signed Release file -> Sources index -> file hashes) using a
# private, temporary source list that leaves the system's apt configuration untouched.
#
# Environment:
#   PGHOST/PGPORT/PGUSER   where the server is (default 127.0.0.1:5432, user postgres)
#   PGVECTOR_SUITES        Debian suites to look in, in order (default: "trixie stable testing")
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
suites="${PGVECTOR_SUITES:-trixie stable testing}"
log() { printf '[ensure-pgvector] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

available() {
  [ "$(psql -XAtqc "select count(*) from pg_available_extensions where name = 'vector'" postgres)" = "1" ]
}

if available; then
  log "pgvector is already available on $PGHOST:$PGPORT"
  exit 0
fi

server_major="$(psql -XAtqc "select current_setting('server_version_num')::int / 10000" postgres)"
pg_config="/usr/lib/postgresql/${server_major}/bin/pg_config"
log "PostgreSQL ${server_major} has no pgvector; building it from Debian's source package"

# 1. Build dependencies for the running server's major version.
if [ ! -x "$pg_config" ] || [ ! -d "/usr/include/postgresql/${server_major}/server" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-${server_major}" make gcc >/dev/null
fi

# 2. The Debian archive this machine already uses (deb822 *.sources, then one-line *.list).
archive_uri() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      /^[ \t]*$/ { if (uri != "" && suites !~ /security/ && comps ~ /main/) { print uri; exit } uri=""; suites=""; comps="" }
      /^URIs:/ { uri=$2 } /^Suites:/ { suites=$0 } /^Components:/ { comps=$0 }
      END { if (uri != "" && suites !~ /security/ && comps ~ /main/) print uri }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" || $1 == "deb-src" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1) !~ /security/) print $i; break } }' || true
}
uri="$(archive_uri | head -n 1 || true)"
[ -n "$uri" ] || { log "no Debian archive found in /etc/apt/sources*"; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
log "using the archive $uri"

# 3. Fetch the newest pgvector source package via a private apt state.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/src"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root" -qq)
found=""
for suite in $suites; do
  echo "deb-src [signed-by=$keyring] $uri $suite main" > "$work/sources.list"
  if as_root apt-get "${apt_private[@]}" update >/dev/null 2>&1 &&
    (cd "$work/src" && as_root apt-get "${apt_private[@]}" source --download-only pgvector >/dev/null 2>&1); then
    found="$suite"
    break
  fi
done
[ -n "$found" ] || { log "no pgvector source package found in: $suites"; exit 1; }
orig="$(ls "$work"/src/pgvector_*.orig.tar.* | head -n 1)"
log "building $(basename "$orig") from $found"

# 4. Build and install against the running server.
mkdir "$work/build"
tar -xf "$orig" -C "$work/build" --strip-components=1
make -s -C "$work/build" PG_CONFIG="$pg_config" OPTFLAGS="" >/dev/null
as_root make -s -C "$work/build" PG_CONFIG="$pg_config" install >/dev/null

if available; then
  log "pgvector installed for PostgreSQL ${server_major}"
else
  log "pgvector was built but the server does not list it"
  exit 1
fi
