// insert_hints: where RocksDB's memtable may start its search for the place
// of a new key. The calls family holds each terminal's history records under
// terminal_id + 0x00 + time + seq (store::call_key): a terminal's records
// arrive in key order, but many terminals' records interleave, so every
// insert searched the skip list from its top (RocksDB's memtable inserts were
// 12 % of tetherd's CPU on the job path, four history records a job:
// docs/BENCHMARKS.md, "Job path"). With
// memtable_insert_with_hint_prefix_extractor the memtable keeps, per prefix,
// the place of the last insert with that prefix; the prefix here is the
// terminal id and its 0x00. Only a whole calls key (the id, its only 0x00,
// 12 bytes of time and seq) takes a hint; any other key the plain insert.
// That rule matters: RocksDB 7.8 shares the hints between a memtable's
// point entries and its range deletions (MemTable::Add), and a hint of one
// skip list used in the other trips its assertion (seen in
// CallHistory.RetiringATerminalDeletesItsRecordsOnly); a retirement's range
// deletion starts at the bare id + 0x00, outside the domain. Ids hold no
// 0x00 (api::valid_id). The hints live in the memtable (gone when it is
// flushed), one per terminal with records in it. Only single-writer writes
// use them, which the store's one actor is. The jobs and history families
// have hints too (below). Hints are not stored: a database reads the same
// with or without them. Tested in tests/storage/insert_hints_test.cpp.
#pragma once

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

#include <rocksdb/slice_transform.h>

namespace tether::storage {

/// A family's hint prefix: which keys take a hint (`in_domain`) and the
/// prefix naming the place they start from (`prefix`, only for keys in the
/// domain).
class hint_prefix final : public rocksdb::SliceTransform {
public:
  using domain_fn = bool (*)(const rocksdb::Slice& key);
  using prefix_fn = rocksdb::Slice (*)(const rocksdb::Slice& key);
  hint_prefix(const char* name, domain_fn in_domain, prefix_fn prefix)
      : name_(name), in_domain_(in_domain), prefix_(prefix) {}
  const char* Name() const override { return name_; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return prefix_(key);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return in_domain_(key);
  }

private:
  const char* name_;
  domain_fn in_domain_;
  prefix_fn prefix_;
};

/// The hint extractor of the calls family: a whole calls key's terminal id
/// and its 0x00.
std::shared_ptr<const rocksdb::SliceTransform> calls_insert_hints();

/// The jobs family's keys are job ids: "J", 16 hex digits of the job's
/// sequence number and 16 random ones (store::new_job_id; ids stored before
/// the random part have none). A new job's key sorts after every older one,
/// and a batch's job states, written in key order (in_key_order), move
/// forward from one to the next. Un-hinted, each of a job's two to four
/// writes searched the skip list from its top (RocksDB's key comparator and
/// its thread-local perf counter per compare were the largest self costs
/// of a job, docs/BENCHMARKS.md §4). The prefix is the id up to its
/// last two sequence digits: a hint per 256 consecutive jobs, so the new
/// jobs of a batch and the older jobs whose states follow them do not move
/// one shared place back and forth. Any key of "J" and 16 characters or
/// more takes a hint (the jobs family holds job ids only and has no range
/// deletions, whose hints RocksDB 7.8 would mix with the point entries').
std::shared_ptr<const rocksdb::SliceTransform> jobs_insert_hints();

/// The history family's keys are terminal ids, each holding one record that
/// a batch rewrites for the terminals whose counters changed: unrelated
/// keys. A hint per terminal would cost a place (a few hundred bytes) per
/// terminal in the memtable; instead the family has one place, and
/// put_batch writes a batch's records in key order (in_key_order), so each
/// insert moves forward a little from the last one, not down from the top
/// (an un-hinted insert searches from the top unless its key directly
/// follows the last one).
std::shared_ptr<const rocksdb::SliceTransform> histories_insert_hints();

/// The hint extractor of the family named `family` (calls, jobs, history),
/// none for the others.
std::shared_ptr<const rocksdb::SliceTransform>
insert_hints_for(std::string_view family);

/// `records` as pointers in the order of `key(record)`; records of one key
/// stay in their order (the last one written is the one kept). A hinted
/// family's inserts then move forward from one place to the next.
template <class Record, class Key>
std::vector<const Record*> in_key_order(const std::vector<Record>& records,
                                        Key key) {
  std::vector<const Record*> out;
  out.reserve(records.size());
  for (const auto& r : records)
    out.push_back(&r);
  std::stable_sort(
    out.begin(), out.end(),
    [&](const Record* a, const Record* b) { return key(*a) < key(*b); });
  return out;
}

} // namespace tether::storage
