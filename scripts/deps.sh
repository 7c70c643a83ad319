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
check /usr/bin/ld.lld lld                           # the linker of every program (Makefile)
check /usr/include/cmocka.h libcmocka-dev
check /usr/lib/x86_64-linux-gnu/libcmocka.so libcmocka-dev
check /usr/include/leveldb/c.h libleveldb-dev           # the snapshot store (linked statically)
check /usr/lib/x86_64-linux-gnu/libsnappy.a libsnappy-dev # which static LevelDB needs
check /usr/bin/pkg-config pkgconf
# gRPC's C core for the exchange between processes, linked statically with what it needs
check /usr/include/grpc/grpc.h libgrpc-dev
check /usr/lib/x86_64-linux-gnu/libabsl_base.a libabsl-dev
check /usr/lib/x86_64-linux-gnu/libcares.a libc-ares-dev
check /usr/lib/x86_64-linux-gnu/libre2.a libre2-dev
check /usr/lib/x86_64-linux-gnu/libssl.a libssl-dev
check /usr/lib/x86_64-linux-gnu/libz.a zlib1g-dev
check /usr/bin/protoc-c protobuf-c-compiler         # the control API's messages (proto/)
check /usr/lib/x86_64-linux-gnu/libprotobuf-c.a libprotobuf-c-dev
check /usr/bin/openssl openssl                     # certificates for the TLS tests
# the control API from Python, as any gRPC client would call it (tests/e2e/control_api.sh)
check /usr/lib/python3/dist-packages/grpc/__init__.py python3-grpcio
check /usr/lib/python3/dist-packages/grpc_tools/protoc.py python3-grpc-tools
check /usr/bin/promtool prometheus                 # promtool checks the metrics endpoint
check /usr/bin/curl curl
check /usr/bin/time time
check /usr/bin/pgrep procps                         # the tests of jobs over several processes find
check /usr/bin/ss iproute2                          # their processes and free ports
command -v python3 >/dev/null || need+=(python3)   # test input generators
check /usr/bin/sqlite3 sqlite3                     # reference answers for the Nexmark queries
check /usr/bin/node nodejs                         # the editor grammar test (tests/editors),
check /usr/bin/npm npm                             # whose npm packages `make editors` installs
check /usr/bin/vim vim                             # and its check of editors/vim
check /usr/bin/dot graphviz                        # mstrc graph -o FILE.svg, and its test
# mstrc package's tests: its image read by skopeo and umoci and run by runc (crun cannot run
# here: cgroups in hybrid mode); mstrc itself links OpenSSL's libcrypto for SHA-256
check /usr/bin/skopeo skopeo
check /usr/bin/umoci umoci
check /usr/sbin/runc runc
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
