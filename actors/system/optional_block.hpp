// optional_block<T>: a container member that costs one pointer while it is
// empty, for the parts of a record almost every instance leaves empty
// (a terminal's attributes, users and declared services: issue 12, bytes
// per terminal in the control). Reads see an empty T when there is no
// block; assigning an empty T frees it. Copies copy the block.
// Unit-tested in tests/actors/system/optional_block_test.cpp.
#pragma once

#include <memory>
#include <utility>

namespace tether {

template <class T>
class optional_block {
public:
  optional_block() = default;
  optional_block(T value) { *this = std::move(value); } // NOLINT: implicit
  optional_block(const optional_block& other)
      : block_(other.block_ ? std::make_unique<T>(*other.block_) : nullptr) {}
  optional_block(optional_block&&) noexcept = default;
  optional_block& operator=(const optional_block& other) {
    if (this != &other)
      *this = other.get();
    return *this;
  }
  optional_block& operator=(optional_block&&) noexcept = default;
  optional_block& operator=(T value) {
    if (value.empty())
      block_.reset();
    else if (block_)
      *block_ = std::move(value);
    else
      block_ = std::make_unique<T>(std::move(value));
    return *this;
  }

  const T& get() const {
    static const T none;
    return block_ ? *block_ : none;
  }
  operator const T&() const { return get(); }
  bool empty() const { return !block_ || block_->empty(); }
  auto size() const { return get().size(); }
  auto begin() const { return get().begin(); }
  auto end() const { return get().end(); }
  /// For a change in place: makes the block (an empty one stays held
  /// until the next assignment).
  T& edit() {
    if (!block_)
      block_ = std::make_unique<T>();
    return *block_;
  }
  void clear() { block_.reset(); }
  /// Whether a block is held (tests).
  bool allocated() const { return static_cast<bool>(block_); }

  friend bool operator==(const optional_block& a, const T& b) {
    return a.get() == b;
  }
  friend bool operator==(const optional_block& a, const optional_block& b) {
    return a.get() == b.get();
  }

private:
  std::unique_ptr<T> block_;
};

} // namespace tether
