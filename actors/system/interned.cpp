#include "actors/system/interned.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace tether {

struct interned::node {
  std::string text;
  std::atomic<size_t> holders{1};
};

namespace {

// The pool: each text's node, keyed by a view of the node's own text.
struct pool {
  std::mutex mutex;
  std::unordered_map<std::string_view, interned::node*> nodes;
};

pool& the_pool() {
  static auto* p = new pool; // never destroyed: holders may outlive main
  return *p;
}

} // namespace

interned::interned(std::string_view text) {
  if (text.empty())
    return;
  auto& p = the_pool();
  std::lock_guard guard{p.mutex};
  if (auto i = p.nodes.find(text); i != p.nodes.end()) {
    node_ = i->second;
    node_->holders.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  node_ = new node{std::string{text}};
  p.nodes.emplace(std::string_view{node_->text}, node_);
}

interned::interned(const interned& other) noexcept : node_(other.node_) {
  // `other` holds the text: it cannot leave the pool meanwhile.
  if (node_ != nullptr)
    node_->holders.fetch_add(1, std::memory_order_relaxed);
}

interned::~interned() {
  if (node_ == nullptr)
    return;
  // Not the last holder (the common case): one decrement, no lock. Only the
  // step from 1 to 0 is taken under the mutex, so that an intern() of the
  // same text either finds the node with a holder or does not find it at
  // all; a count above 1 never reaches 0 here, and a copy needs a holder.
  auto n = node_->holders.load(std::memory_order_relaxed);
  while (n > 1)
    if (node_->holders.compare_exchange_weak(
          n, n - 1, std::memory_order_release, std::memory_order_relaxed))
      return;
  // Maybe the last: under the mutex an intern() may still have raised it.
  auto& p = the_pool();
  std::lock_guard guard{p.mutex};
  if (node_->holders.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    p.nodes.erase(std::string_view{node_->text});
    delete node_;
  }
}

const std::string& interned::str() const {
  static const std::string empty;
  return node_ == nullptr ? empty : node_->text;
}

size_t interned::pool_size() {
  auto& p = the_pool();
  std::lock_guard guard{p.mutex};
  return p.nodes.size();
}

} // namespace tether
