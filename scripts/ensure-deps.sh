#!/bin/sh
# Installs the Debian packages that building, testing or the demo need.
# As root with apt-get, missing packages are installed; otherwise the exact
# command to run is printed and the script fails, so nothing half-works.
set -eu

# With arguments: those packages instead (the extra tools of `make bench`,
# `make fuzz`, ...); without: what `make run` and `make test` need.
PACKAGES="apache2 apache2-dev libpcre2-dev pkg-config libcmocka-dev python3-pytest python3-requests curl debhelper dpkg-dev build-essential lintian"
[ $# -gt 0 ] && PACKAGES="$*"

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the packaged apache2 service from starting on port 80: tests and
    # the demo run their own private server on 127.0.0.1 only.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        own_policy=1
    fi
    status=0
    apt-get update -qq && \
        apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
    [ "$own_policy" = 1 ] && rm -f "$policy"
    exit "$status"
fi

echo "ensure-deps: missing Debian packages:$missing" >&2
echo "ensure-deps: run:  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
