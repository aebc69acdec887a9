// interned: a string kept once for every holder of the same text, in one
// process-wide pool. For the values millions of records repeat (cluster
// ids, node ids, models, firmware versions, regions): a holder costs one
// pointer instead of a 32-byte std::string and its heap block when the
// text is longer than 15 characters (issue 12: bytes per terminal in the
// control). The pool keeps each distinct text while some holder has it.
//
// Thread-safe: the pool has a mutex, taken to intern and to drop what may
// be the last holder of a text; a copy, and dropping a holder while others
// remain, only count (atomically, no lock). The empty string is no pool entry.
// Unit-tested in tests/actors/system/interned_test.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tether {

class interned {
public:
  interned() noexcept = default;
  interned(std::string_view text); // NOLINT: implicit, as a string is
  interned(const std::string& text) : interned(std::string_view{text}) {}
  interned(const char* text) : interned(std::string_view{text}) {}
  interned(const interned& other) noexcept;
  interned(interned&& other) noexcept : node_(other.node_) {
    other.node_ = nullptr;
  }
  interned& operator=(interned other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~interned();

  /// The text, in the shared pool: valid while this holder keeps it (a
  /// reference taken before the holder is assigned another text may
  /// dangle if it was the text's last holder; copy it to keep it).
  const std::string& str() const;
  operator const std::string&() const { return str(); }
  bool empty() const { return node_ == nullptr; }
  size_t size() const { return str().size(); }

  friend bool operator==(const interned& a, const interned& b) {
    return a.node_ == b.node_; // one pool entry per text
  }
  friend bool operator==(const interned& a, std::string_view b) {
    return std::string_view{a.str()} == b;
  }
  friend bool operator==(const interned& a, const std::string& b) {
    return a.str() == b;
  }
  friend bool operator==(const interned& a, const char* b) {
    return a.str() == b;
  }

  /// Distinct texts in the pool now (tests, metrics).
  static size_t pool_size();

  struct node; // a text and its holders' count (interned.cpp)

private:
  node* node_ = nullptr;
};

} // namespace tether
