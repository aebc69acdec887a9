// jemalloc's settings for tetherd, read by jemalloc at its start (linked
// only with -DTETHER_JEMALLOC=ON, net/CMakeLists.txt). With jemalloc's
// defaults, the pages a connect burst freed stayed in tetherd's RSS: 49-52
// KiB per idle WSS device against 28-29 KiB with glibc's malloc and
// net/burst_trim.hpp (whose malloc_trim reaches only glibc's heap). A
// background thread gives freed pages back after a second, for the same
// memory as before and no cost on the job path (docs/BENCHMARKS.md, "Job
// path"). MALLOC_CONF in the environment still overrides any of them.
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for
const char* malloc_conf
  = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
