#include "storage/insert_hints.hpp"

#include <cstring>

namespace tether::storage {

namespace {
constexpr size_t time_and_seq = 12; // after the 0x00 (store::call_key)
} // namespace

rocksdb::Slice terminal_prefix::Transform(const rocksdb::Slice& key) const {
  return {key.data(), key.size() - time_and_seq}; // only keys InDomain
}

bool terminal_prefix::InDomain(const rocksdb::Slice& key) const {
  if (key.size() <= time_and_seq)
    return false;
  const auto* zero = std::memchr(key.data(), '\0', key.size());
  return zero == key.data() + key.size() - time_and_seq - 1;
}

std::shared_ptr<const rocksdb::SliceTransform> calls_insert_hints() {
  return std::make_shared<terminal_prefix>();
}

} // namespace tether::storage
