// live_count: how many objects of one kind exist right now, counted from
// their construction and destruction (not from anyone's bookkeeping), so
// that a leak shows in /metrics. The owner that reports the figure holds the
// live_count; each counted object holds a token for exactly its lifetime.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace tether {

class live_count {
public:
  /// Held by a counted object: +1 while it exists. Movable, not copyable.
  class token {
  public:
    token() = default;
    explicit token(std::shared_ptr<std::atomic<int64_t>> n) : n_(std::move(n)) {
      if (n_)
        n_->fetch_add(1, std::memory_order_relaxed);
    }
    token(token&&) noexcept = default;
    token& operator=(token&& other) noexcept {
      release();
      n_ = std::move(other.n_);
      return *this;
    }
    token(const token&) = delete;
    token& operator=(const token&) = delete;
    ~token() { release(); }

  private:
    void release() {
      if (n_)
        n_->fetch_sub(1, std::memory_order_relaxed);
      n_.reset();
    }
    std::shared_ptr<std::atomic<int64_t>> n_;
  };

  /// A token for one more live object (any thread).
  token track() const { return token{n_}; }

  /// Objects alive now (any thread).
  int64_t value() const { return n_->load(std::memory_order_relaxed); }

private:
  std::shared_ptr<std::atomic<int64_t>> n_
    = std::make_shared<std::atomic<int64_t>>(0);
};

} // namespace tether
