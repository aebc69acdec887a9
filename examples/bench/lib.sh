# Shared by the benchmark scripts (sourced, not run).

# bench_topology FILE: the all-in-one topology with the per-source-address
# abuse limits and the per-key push rate raised, so that a benchmark measures the server, not the
# limits that protect it from one flooding address (docs/SECURITY.md).
bench_topology() {
  { cat examples/topologies/all-in-one.toml
    printf '\n[limits]\nws_accept_rate = 100000\nws_accept_burst = 100000\n'
    printf 'register_rate = 100000\nregister_burst = 100000\n'
    printf 'push_rate = 1000000\npush_burst = 1000000\n'
  } >"$1"
}
