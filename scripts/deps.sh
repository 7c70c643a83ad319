#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any is missing; with the
# argument `fuzz` (make fuzz), also clang and its libFuzzer runtime, which nothing else needs.
# Checked by file, not by dpkg, so a machine that has them some other way is left alone.
set -euo pipefail

need=()
check() { # check FILE PACKAGE
    [ -e "$1" ] || need+=("$2")
}
check /usr/bin/flex flex
check /usr/bin/bison bison
check /usr/bin/make make
check /usr/bin/cc gcc
check /usr/include/cmocka.h libcmocka-dev
check /usr/lib/x86_64-linux-gnu/libcmocka.so libcmocka-dev
check /usr/bin/time time
command -v python3 >/dev/null || need+=(python3)   # test input generators
check /usr/bin/sqlite3 sqlite3                     # reference answers for the Nexmark queries
if [ "${1:-}" = fuzz ]; then
    check /usr/bin/clang clang
    compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null ||
        need+=(libclang-rt-14-dev)
fi

[ ${#need[@]} -eq 0 ] && exit 0
echo "deps: installing ${need[*]}" >&2
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
