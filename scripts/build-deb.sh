#!/bin/sh
# Builds the Debian package libapache2-mod-redirect307_<version>_<arch>.deb
# (`make deb`).  The tracked and new (not ignored) files of the work tree are
# copied to a temporary directory and built there with
# `dpkg-buildpackage -us -uc -b`, so the source tree stays clean; the .deb,
# its -dbgsym package, .buildinfo and .changes land in dist/.  lintian then
# checks the .deb and fails on errors and warnings (debian/README.source
# records its result and explains how the package is put together).
#
# Environment: DIST (output directory, default <repo>/dist),
#              LINTIAN=0 to skip lintian, KEEP_BUILD=1 to keep the build dir.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
dist=${DIST:-$top/dist}

missing=""
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper dh_apache2:apache2-dev \
            apxs:apache2-dev; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
    echo "build-deb: missing tools; run:  sudo apt-get install -y$missing" >&2
    exit 1
fi

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
source=$(dpkg-parsechangelog -l debian/changelog -S Source)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="libapache2-mod-redirect307_${version}_${arch}.deb"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/r307-deb.XXXXXX")
if [ "${KEEP_BUILD:-0}" = 1 ]; then
    trap 'echo "build-deb: build directory kept: $tmp"' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
src="$tmp/$source-$version"
mkdir -p "$src"

# The files git knows or would add (not ignored ones, not dist/): what a
# clean clone plus the current edits would contain.  Outside git, the whole
# tree except .git and dist/ (dh_auto_clean runs `make clean` there first).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- . ':!:dist' |
        xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -xf - -C "$src"
else
    tar --exclude=./.git --exclude=./dist -cf - . | tar -xf - -C "$src"
fi

echo "build-deb: building $deb in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b)

mkdir -p "$dist"
rm -f "$dist"/libapache2-mod-redirect307*_"$arch".deb \
      "$dist/${source}"_*_"$arch".buildinfo "$dist/${source}"_*_"$arch".changes
for f in "$tmp"/*.deb "$tmp"/*.ddeb "$tmp"/*.buildinfo "$tmp"/*.changes; do
    [ -e "$f" ] && cp "$f" "$dist/"
done
[ -f "$dist/$deb" ] || { echo "build-deb: $deb was not built" >&2; exit 1; }

if [ "${LINTIAN:-1}" != 0 ]; then
    if command -v lintian >/dev/null 2>&1; then
        echo "build-deb: lintian $deb"
        # Fails on errors and warnings; info and pedantic notes are shown.
        lintian --info --display-info --fail-on error,warning "$dist/$deb"
    else
        echo "build-deb: lintian is not installed (apt-get install lintian); not checked" >&2
    fi
fi

echo "build-deb: $dist/$deb"
dpkg-deb --contents "$dist/$deb" | awk '{print "  " $NF}' | grep -v '/$' || true
