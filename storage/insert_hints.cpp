#include "storage/insert_hints.hpp"

#include <cstring>

namespace tether::storage {

namespace {

constexpr size_t time_and_seq = 12;   // after the 0x00 (store::call_key)
constexpr size_t job_group_size = 15; // "J" and the first 14 seq digits
constexpr size_t job_seq_size = 17;   // "J" and 16 seq digits (job_id_for)

bool is_calls_key(const rocksdb::Slice& key) {
  if (key.size() <= time_and_seq)
    return false;
  const auto* zero = std::memchr(key.data(), '\0', key.size());
  return zero == key.data() + key.size() - time_and_seq - 1;
}

rocksdb::Slice terminal_of(const rocksdb::Slice& key) {
  return {key.data(), key.size() - time_and_seq};
}

bool is_job_id(const rocksdb::Slice& key) {
  return key.size() >= job_seq_size && key[0] == 'J';
}

rocksdb::Slice job_group(const rocksdb::Slice& key) {
  return {key.data(), job_group_size};
}

bool any_key(const rocksdb::Slice&) {
  return true; // the history family has no range deletions
}

rocksdb::Slice no_prefix(const rocksdb::Slice& key) {
  return {key.data(), 0};
}

} // namespace

std::shared_ptr<const rocksdb::SliceTransform> calls_insert_hints() {
  return std::make_shared<hint_prefix>("tether.terminal_prefix", is_calls_key,
                                       terminal_of);
}

std::shared_ptr<const rocksdb::SliceTransform> jobs_insert_hints() {
  return std::make_shared<hint_prefix>("tether.job_group_prefix", is_job_id,
                                       job_group);
}

std::shared_ptr<const rocksdb::SliceTransform> histories_insert_hints() {
  return std::make_shared<hint_prefix>("tether.one_place", any_key, no_prefix);
}

std::shared_ptr<const rocksdb::SliceTransform>
insert_hints_for(std::string_view family) {
  if (family == "calls")
    return calls_insert_hints();
  if (family == "jobs")
    return jobs_insert_hints();
  if (family == "history")
    return histories_insert_hints();
  return nullptr;
}

} // namespace tether::storage
