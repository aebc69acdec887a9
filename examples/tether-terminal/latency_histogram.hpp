// tether-terminal: a bounded, lock-free latency histogram (HDR-like log-linear
// buckets).
//
// Values are microseconds. 0..31 us have one bucket each; above that every
// power of two is split into 16 equal sub-buckets, so a bucket is at most 1/16
// (6.25 %) wider than its lower bound. Values at or above 2^34 us (about 4.8 h)
// land in the last bucket; the exact maximum is kept separately. 496 counters,
// fixed: recording never allocates, whatever the run length.
//
// record() may be called from several threads at once (relaxed atomics);
// summary() reads the buckets one by one, so during recording it is an
// approximate cut (fine for progress lines; exact once recording has stopped).
// Also used by tether-push-bench.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace tether::terminal {

struct latency_summary {
  std::uint64_t count = 0;
  // Milliseconds. A percentile is the upper bound of the bucket it falls in
  // (never more than the observed maximum): it overstates by at most 6.25 %,
  // never understates.
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double mean_ms = 0; // exact (from the sum of the values)
};

class latency_histogram {
public:
  static constexpr unsigned linear = 32;  // exact buckets for 0..31 us
  static constexpr unsigned sub_bits = 4; // 16 sub-buckets per power of two
  static constexpr unsigned max_msb
    = 33; // last power of two with its own buckets
  static constexpr std::size_t bucket_count
    = linear + (max_msb - 4) * (1u << sub_bits); // 32 + 29 * 16 = 496

  void record_us(std::uint64_t us) {
    buckets_[index_of(us)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(us, std::memory_order_relaxed);
    auto seen = max_.load(std::memory_order_relaxed);
    while (
      us > seen
      && !max_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }

  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  // The value at quantile q (0..1), in microseconds: upper bound of its bucket.
  std::uint64_t quantile_us(double q) const {
    std::array<std::uint64_t, bucket_count> counts;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < bucket_count; ++i)
      total += counts[i] = buckets_[i].load(std::memory_order_relaxed);
    return quantile_from(counts, total, q);
  }

  latency_summary summary() const {
    std::array<std::uint64_t, bucket_count> counts;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < bucket_count; ++i)
      total += counts[i] = buckets_[i].load(std::memory_order_relaxed);
    latency_summary s;
    s.count = total;
    if (total == 0)
      return s;
    auto ms = [](std::uint64_t us) {
      return static_cast<double>(us) / 1000.0;
    };
    s.p50_ms = ms(quantile_from(counts, total, 0.50));
    s.p90_ms = ms(quantile_from(counts, total, 0.90));
    s.p99_ms = ms(quantile_from(counts, total, 0.99));
    s.max_ms = ms(max_.load(std::memory_order_relaxed));
    s.mean_ms
      = ms(sum_.load(std::memory_order_relaxed)) / static_cast<double>(total);
    return s;
  }

  // Bucket of a value, and the largest value a bucket holds (for tests and
  // reports).
  static std::size_t index_of(std::uint64_t us) {
    if (us < linear)
      return static_cast<std::size_t>(us);
    unsigned msb = static_cast<unsigned>(std::bit_width(us)) - 1; // >= 5
    if (msb > max_msb)
      return bucket_count - 1;
    auto sub = static_cast<unsigned>((us >> (msb - sub_bits))
                                     & ((1u << sub_bits) - 1));
    return linear + (msb - 5) * (1u << sub_bits) + sub;
  }
  static std::uint64_t upper_bound_us(std::size_t index) {
    if (index < linear)
      return index;
    auto k = index - linear;
    unsigned msb = static_cast<unsigned>(k >> sub_bits) + 5;
    std::uint64_t sub = k & ((1u << sub_bits) - 1);
    std::uint64_t width = std::uint64_t{1} << (msb - sub_bits);
    return (std::uint64_t{1} << msb) + (sub + 1) * width - 1;
  }

private:
  std::uint64_t
  quantile_from(const std::array<std::uint64_t, bucket_count>& counts,
                std::uint64_t total, double q) const {
    if (total == 0)
      return 0;
    // Rank of the sample at quantile q (1-based, nearest-rank method).
    auto rank
      = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    rank = std::clamp<std::uint64_t>(rank, 1, total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts[i];
      if (seen >= rank)
        return std::min(upper_bound_us(i),
                        max_.load(std::memory_order_relaxed));
    }
    return max_.load(std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> max_{0};
};

} // namespace tether::terminal
