#!/usr/bin/env bash
# Production install smoke test: the tarball `npm pack` makes, installed with
# `npm install --omit=dev` in an empty folder, runs as `npx learnfile ...` exactly as the
# README's "Running in production" says: the CLI answers, refuses to create a database
# implicitly, `migrate` creates one, `serve` answers /health and /ready, `backup` works
# while it runs, and SIGTERM stops it with exit 0. Run from the repository root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/learnfile-pack.XXXXXX")
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# CI has just built dist/ ("build" step), so the prepack build is skipped here.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -1)
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) kB)"
cd "$work"
npm init -y >/dev/null
npm install --omit=dev --no-audit --no-fund --prefer-offline "./$tarball" >/dev/null
export DATA_DIR="$work/data" PORT=0 LOG_FORMAT=json
unset DATABASE_URL

npx learnfile --version
if npx learnfile customer list 2>"$work/err"; then echo "customer list created a database implicitly"; exit 1; fi
grep -q 'there is no learnfile database' "$work/err" || { cat "$work/err"; exit 1; }
npx learnfile migrate
[[ $(stat -c %a "$DATA_DIR") == 700 ]] || { echo "data directory is not 0700"; exit 1; }

# The process manager's view: start, wait for the start-up log, probe, stop with TERM.
node_modules/.bin/learnfile serve >"$work/log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do grep -q 'demo customer token' "$work/log" && break; kill -0 "$server_pid" || { cat "$work/log"; exit 1; }; sleep 0.1; done
url=$(sed -n 's/.*learnfile is listening on \(http:[^ "]*\)\/api\/v2\.1.*/\1/p' "$work/log" | head -1)
curl -fsS "$url/health"; echo
curl -fsS "$url/ready"; echo
npx learnfile backup "$work/backup.tar.gz"
kill -TERM "$server_pid"
rc=0; wait "$server_pid" || rc=$?
server_pid=
[[ $rc == 0 ]] || { echo "serve exited $rc after SIGTERM"; cat "$work/log"; exit 1; }
grep -q '"msg":"stopped"' "$work/log" || { echo "no 'stopped' line"; cat "$work/log"; exit 1; }
npx learnfile --data-dir "$work/restored" restore "$work/backup.tar.gz"
npx learnfile --data-dir "$work/restored" customer list
echo "pack smoke test: OK"
