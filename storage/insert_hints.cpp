#include "storage/insert_hints.hpp"

#include <cstring>

namespace tether::storage {

namespace {
constexpr size_t time_and_seq = 12;   // after the 0x00 (store::call_key)
constexpr size_t job_group_size = 15; // "J" and the first 14 seq digits
constexpr size_t job_seq_size = 17;   // "J" and 16 seq digits (job_id_for)
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

rocksdb::Slice job_group_prefix::Transform(const rocksdb::Slice& key) const {
  return {key.data(), job_group_size}; // only keys InDomain
}

bool job_group_prefix::InDomain(const rocksdb::Slice& key) const {
  return key.size() >= job_seq_size && key[0] == 'J';
}

std::shared_ptr<const rocksdb::SliceTransform> jobs_insert_hints() {
  return std::make_shared<job_group_prefix>();
}

rocksdb::Slice one_place::Transform(const rocksdb::Slice& key) const {
  return {key.data(), 0};
}

bool one_place::InDomain(const rocksdb::Slice&) const {
  return true; // the history family has no range deletions
}

std::shared_ptr<const rocksdb::SliceTransform> histories_insert_hints() {
  return std::make_shared<one_place>();
}

} // namespace tether::storage
