#!/bin/sh
# Browser test of the demo (`make run`): drives the page at / in Debian's
# headless Chromium with playwright-core and checks that a form posted
# through 307, 308 and an upgraded 302 arrives as POST with its body, and
# through a plain 302 or 303 as GET without it.  Screenshots: out/.
#
#   sh tests/browser/run.sh            (after `make build`)
#
# Installs playwright-core into tests/browser/node_modules from
# package-lock.json when it is missing or out of date (npm ci).  Needs the
# Debian packages nodejs, npm (or NodeSource's nodejs, which includes npm)
# and chromium.  Environment: R307_MODULE (default .libs/mod_redirect307.so),
# CHROMIUM (default /usr/bin/chromium), PYTHON (default /usr/bin/python3).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
R307_MODULE=${R307_MODULE:-$TOP/.libs/mod_redirect307.so}
export CHROMIUM R307_MODULE

missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -x "$CHROMIUM" ] || missing="$missing chromium"
if [ -n "$missing" ]; then
    echo "browser test: missing:$missing" >&2
    echo "browser test: run:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; then
    echo "browser test: node $(node --version) is too old; playwright-core needs 18 or newer" >&2
    exit 1
fi
if [ ! -f "$R307_MODULE" ]; then
    echo "browser test: $R307_MODULE does not exist; run \`make build\` first" >&2
    exit 1
fi

cd "$HERE"
# playwright-core never downloads browsers by itself; say so anyway.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f node_modules/playwright-core/package.json ] ||
   [ ! -f node_modules/.package-lock.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "browser test: installing node modules (npm ci)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi

exec node demo.test.mjs "$@"
