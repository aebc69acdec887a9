# Shared by the benchmark scripts (sourced, not run).

# bench_topology FILE: the all-in-one topology with the per-source-address
# abuse limits and the per-key push rate raised, so that a benchmark measures the server, not the
# limits that protect it from one flooding address (docs/SECURITY.md).
# TETHER_BENCH_TOPOLOGY_APPEND=TEXT: TOML appended to it (a configuration
# A/B, e.g. $'[scheduler]\npolicy = "stealing"').
bench_topology() {
  { cat examples/topologies/all-in-one.toml
    printf '\n[limits]\nws_accept_rate = 100000\nws_accept_burst = 100000\n'
    printf 'register_rate = 100000\nregister_burst = 100000\n'
    printf 'push_rate = 1000000\npush_burst = 1000000\n'
    printf '\n%s\n' "${TETHER_BENCH_TOPOLOGY_APPEND:-}"
  } >"$1"
}

# heaptrack_preload TETHERD WORKDIR: what LD_PRELOAD must hold for heaptrack
# to see every allocation of TETHERD. A tetherd linked with jemalloc
# (net/CMakeLists.txt) gets operator new/delete from jemalloc, which never
# calls malloc, so heaptrack (which intercepts malloc) would miss every C++
# allocation: the shim examples/bench/new_via_malloc.cpp, built into
# WORKDIR, sends them through malloc again. Prints the old LD_PRELOAD for
# another tetherd. heaptrack puts its own library in front of it.
heaptrack_preload() {
  # grep without -q: an early exit would fail ldd under pipefail.
  if ldd "$1" | grep jemalloc >/dev/null; then
    g++ -std=c++17 -O2 -shared -fPIC examples/bench/new_via_malloc.cpp -o "$2/new_via_malloc.so"
    echo "$2/new_via_malloc.so"
  else
    echo "${LD_PRELOAD:-}"
  fi
}

# bench_need_package COMMAND PACKAGE: installs Debian's PACKAGE (apt-get;
# root or sudo) unless COMMAND is on the PATH or in /usr/sbin.
bench_need_package() {
  if command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; then
    return 0
  fi
  echo "installing $2 (Debian package)" >&2
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "$2" >&2
}

# bench_cpu_ticks PID: user + system CPU clock ticks of a process so far (0
# once it is gone); divide by `getconf CLK_TCK`.
bench_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
