#!/usr/bin/env bash
# The README's first command as a newcomer runs it: `npm run demo` in a fresh clone, where nothing is
# generated yet (no Prisma clients in node_modules/.prisma, no build/). .ci/run calls it after `npm ci`.
# The install itself is not repeated: node_modules is hard-linked from this checkout (fast, no network),
# minus everything that a fresh `npm ci` does not have either (npm blocks Prisma's install scripts, so a
# real fresh install has no node_modules/.prisma) and the caches a build writes into.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

[ -d node_modules ] || { echo "fresh-clone-check: run npm ci first" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/capi-fresh-clone-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

git clone --quiet --no-hardlinks "$root" "$tmp/app"
cd "$tmp/app"
# Hard links share their data with this checkout's files: remove (never rewrite) anything the demo
# or the build would write into, so the checkout's node_modules stays as it was.
cp -al "$root/node_modules" node_modules
rm -rf node_modules/.prisma node_modules/.vite node_modules/.vite-temp node_modules/.cache
rm -rf build
if [ -e node_modules/.prisma ] || [ -e build ]; then
  echo "fresh-clone-check: the clone is not fresh" >&2
  exit 1
fi

echo "fresh-clone-check: npm run demo in a fresh clone ($tmp/app)…"
started=$SECONDS
if ! npm run demo --silent -- --shoppers 2 --blocked 1; then
  echo "fresh-clone-check: FAILED: \`npm run demo\` exits non-zero on a fresh clone" >&2
  exit 1
fi
[ -f build/server/index.js ] || { echo "fresh-clone-check: FAILED: the demo did not build the app" >&2; exit 1; }
[ -d node_modules/.prisma/client ] || { echo "fresh-clone-check: FAILED: the demo did not generate the Prisma clients" >&2; exit 1; }
echo "fresh-clone-check: ok ($((SECONDS - started)) s)"
