#!/bin/sh
# Build the libFuzzer harnesses of the pure core (tests/fuzz/fuzz_*.c) with
# clang, AddressSanitizer and UndefinedBehaviorSanitizer, and run each for
# FUZZ_SECONDS (default 60).  Exit status 1 if any harness crashed or found
# an invariant violated; the reproducers are listed at the end.
#
#   sh tests/fuzz/run.sh                        all harnesses, 60 s each
#   FUZZ_SECONDS=10 sh tests/fuzz/run.sh match  one harness, 10 s
#   FUZZ_SECONDS=0 sh tests/fuzz/run.sh         only replay the seed corpora
#
# Environment: FUZZ_SECONDS, FUZZ_CC (clang), FUZZ_BUILD (tests/fuzz/build).
# Needs the Debian packages clang and libclang-rt-14-dev (plus what the
# module needs: libapr1-dev via apache2-dev, libpcre2-dev, pkg-config).
set -eu

cd "$(dirname "$0")/../.."
FUZZ=tests/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}
BUILD=${FUZZ_BUILD:-$FUZZ/build}
ALL="rule location match map url_same escape"
TARGETS=${*:-$ALL}

case $SECONDS_EACH in
    ''|*[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a number of seconds" >&2
                 exit 2 ;;
esac
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "run.sh: $CC not found; install: apt-get install clang libclang-rt-14-dev" >&2
    exit 2
fi

APR_FLAGS=$(pkg-config --cflags apr-1 libpcre2-8)
LIBS=$(pkg-config --libs apr-1 libpcre2-8)
CFLAGS="-g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Isrc -I$FUZZ $APR_FLAGS"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

mkdir -p "$BUILD/obj"
echo "run.sh: building into $BUILD"
OBJS=""
for src in src/r307_*.c; do
    obj=$BUILD/obj/$(basename "$src" .c).o
    # Every pool allocation of the core becomes an exact-size malloc, so
    # ASan sees overruns of the buffers it builds (see fz_pool_shim.h).
    $CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -include $FUZZ/fz_pool_shim.h \
        -c "$src" -o "$obj"
    OBJS="$OBJS $obj"
done
for src in fz_common fz_pool_shim; do
    $CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$FUZZ/$src.c" \
        -o "$BUILD/obj/$src.o"
    OBJS="$OBJS $BUILD/obj/$src.o"
done
for t in $TARGETS; do
    if [ ! -f "$FUZZ/fuzz_$t.c" ]; then
        echo "run.sh: no harness $FUZZ/fuzz_$t.c (have: $ALL)" >&2
        exit 2
    fi
    $CC $CFLAGS $SAN -fsanitize=fuzzer "$FUZZ/fuzz_$t.c" $OBJS \
        -o "$BUILD/fuzz_$t" $LIBS
done

max_len() {
    case $1 in
        map|match) echo 4096 ;;
        *) echo 1024 ;;
    esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=""
for t in $TARGETS; do
    seeds=$FUZZ/corpus/$t
    work=$BUILD/corpus/$t          # what the run adds; seeds stay untouched
    artifacts=$BUILD/artifacts/$t
    log=$BUILD/fuzz_$t.log
    mkdir -p "$work" "$artifacts" "$seeds"
    if [ "$SECONDS_EACH" = 0 ]; then
        set -- -runs=0
    else
        set -- -max_total_time="$SECONDS_EACH"
    fi
    echo "run.sh: fuzz_$t for ${SECONDS_EACH}s (log: $log)"
    status=0
    "$BUILD/fuzz_$t" "$@" -max_len="$(max_len "$t")" -timeout=20 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -dict="$FUZZ/r307.dict" -artifact_prefix="$artifacts/" \
        "$work" "$seeds" >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|stat::new_units_added)' "$log" || true
    if [ "$status" != 0 ]; then
        echo "run.sh: fuzz_$t FAILED (exit $status):" >&2
        grep -E 'INVARIANT VIOLATED|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error|SUMMARY' "$log" | head -5 >&2 || true
        for a in "$artifacts"/*; do
            [ -e "$a" ] || continue
            echo "run.sh:   reproducer: $a" >&2
            echo "run.sh:   replay:     $BUILD/fuzz_$t $a" >&2
        done
        failed="$failed $t"
    fi
done

if [ -n "$failed" ]; then
    echo "run.sh: FAILED:$failed (full output in $BUILD/fuzz_<name>.log)" >&2
    exit 1
fi
echo "run.sh: all harnesses clean ($TARGETS)"
