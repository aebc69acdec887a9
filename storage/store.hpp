// store: Tether's embedded RocksDB database.
//
// Key schema (schema version 1, stored under meta/"schema_version"):
//
//   column family   key                      value
//   -------------   ----------------------   -------------------------------
//   meta            "schema_version"         decimal text, "1"
//   meta            "job_seq"                8-byte big-endian next job seq
//   meta            "admin/label_items"      JSON array of label item names
//   meta            "admin/cluster/" + id    JSON {"labels":{item:[values]},
//                                            "state":..,"weight":n}
//   meta            "admin/node/" + id       "active" or "draining"
//   meta            "admin/node/" + id +     "<capacity>,<weight>" (decimal):
//                   "#tuning"                an operator's node capacity
//                                            and weight
//   meta            "retired/" + terminal    decimal text: the token generation
//                                            of a retired terminal (its
//                                            tokens below it stay refused)
//   meta            "apikey/" + key id       JSON
//   {"key_id","name","scopes":[..],
//                                            "created_at_ms","hash"}: an API
//                                            key; hash = hex SHA-256 of the
//                                            key (the key is never stored)
//   terminals       terminal_id (UTF-8)      JSON object of terminal_record
//                                            ("services" only when the
//                                            device declared some)
//   jobs            job_id (UTF-8)           JSON object of job_record
//   history         terminal_id (UTF-8)      JSON object of api_history
//   events          8-byte big-endian Unix   source address (UTF-8, may be
//                   ms + terminal_id         empty): one disconnect event
//   calls           terminal_id + 0x00 +     JSON {"e","j","d","n","a"}: one
//                   8-byte big-endian Unix   history record (call_record;
//                   ms + 4-byte big-endian   empty fields left out)
//                   seq
//
// The calls family holds each terminal's history records (API calls, job
// steps, connects and disconnects), in time order per terminal; it is
// bounded by retention and a count per terminal, enforced by
// sweep_calls() a bounded number of keys at a time.
//
// The events family holds the disconnect events of the GE/GF label items
// (docs/LABELS.md); it is bounded by time: every write of new events also
// deletes the range of those older than the longest configured window.
// History records written before the print/job counters existed decode
// with those counters at 0, so the schema version stays 1.
//
// Job ids are "J" + 16 lowercase hex digits of a 64-bit sequence + 16 random
// lowercase hex digits (unguessable; ids stored before had no random part
// and stay valid), so byte order of keys is creation order. The order of column
// families below never changes; new ones are appended. Every logical change is
// one WriteBatch.
//
// The store is not thread-safe by contract: exactly one owner (a detached
// actor, or start-up code before actors exist) calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
} // namespace rocksdb

namespace tether::storage {

/// Outcome of a storage call: empty message means success.
struct status {
  std::string message;
  bool ok() const { return message.empty(); }
};

/// Memory bounds of a store: RocksDB memtables of all column families
/// together (flushed when over it) and one block cache shared by them.
struct memory_bounds {
  size_t memtable_bytes = size_t{32} << 20;
  size_t block_cache_bytes = size_t{8} << 20;
};

class store {
public:
  enum class family : uint8_t {
    meta = 0,
    terminals = 1,
    jobs = 2,
    history = 3,
    events = 4,
    calls = 5
  };
  static constexpr int schema_version = 1;

  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  /// Opens (or creates) the database in `dir`. Fails on a schema version it
  /// does not know, naming it.
  static std::unique_ptr<store> open(const std::string& dir, status& st,
                                     const memory_bounds& bounds
                                     = memory_bounds{});

  /// When true, every write waits for the WAL to reach the disk (fsync).
  /// Without it a write survives a crash of the process (the WAL is in the
  /// OS), but not a crash of the machine.
  void set_sync(bool sync) { sync_ = sync; }

  status put_terminal(const terminal_record& rec);
  std::optional<terminal_record> get_terminal(const std::string& id,
                                              status& st);
  std::vector<terminal_record> load_terminals(status& st);
  /// DELETE /v1/terminals/{id}: deletes the terminal's record, connection
  /// history and history records (calls family) and keeps `generation`
  /// under meta "retired/" + id, in one batch.
  status retire_terminal(const std::string& id, uint64_t generation);
  /// The retired terminals and their token generations.
  std::map<std::string, uint64_t> load_retired(status& st);

  /// Writes jobs (new or updated) in one batch, together with the next job
  /// sequence number when `next_seq` is non-zero.
  status put_jobs(const std::vector<job_record>& jobs, uint64_t next_seq);
  std::optional<job_record> get_job(const std::string& id, status& st);
  /// The jobs to hold in memory at start, in creation order: every open
  /// job, every final job whose callback is pending, and the newest
  /// `keep_final` other final jobs (older ones stay on disk, read on
  /// demand), so start-up memory does not grow with the retained history.
  std::vector<job_record> load_jobs(status& st, size_t keep_final = SIZE_MAX);
  /// Retention: deletes the jobs that reached a final status before
  /// `finished_before_ms` and whose callback is not pending. Returns how
  /// many were deleted (one batch; a crash midway deletes fewer, never a
  /// job that is still needed).
  size_t purge_jobs(int64_t finished_before_ms, status& st);

  /// Writes everything in one batch (one WAL write, synced when sync is on).
  status put_batch(const std::vector<terminal_record>& terminals,
                   const std::vector<job_record>& jobs,
                   const std::vector<api_history>& histories, uint64_t next_seq,
                   const std::vector<disconnect_event>& events = {},
                   int64_t drop_events_before_ms = 0,
                   const std::vector<call_record>& calls = {});
  std::vector<api_history> load_histories(status& st);
  /// Every stored disconnect event, oldest first.
  std::vector<disconnect_event> load_events(status& st);
  /// Deletes exactly these disconnect events (a class cleared or expired:
  /// its members' events; other terminals' events stay). One batch.
  status delete_events(const std::vector<disconnect_event>& events);
  /// Key of an event in the events family (time order).
  static std::string event_key(const disconnect_event& e);

  /// Key of a history record: terminal, time and seq (calls family).
  static std::string call_key(const call_record& r);
  /// A terminal's history records, newest first: at most `limit`, none
  /// older than `since_ms`, starting after `cursor` (a page's `next`;
  /// empty: the newest). A malformed cursor is reported in `st`.
  call_page load_calls(const std::string& terminal_id, int64_t since_ms,
                       const std::string& cursor, size_t limit, status& st);
  /// Where the retention sweep goes on from (empty: the end of the family).
  struct sweep_cursor {
    std::string key;      // the next key to look at ("": the first)
    std::string terminal; // the terminal being counted
    size_t newer = 0;     // its records already seen (newer than `key`)
    size_t kept = 0;      // of them, those kept
    // What this pass kept so far (over every terminal).
    size_t pass_kept = 0;
    size_t pass_most_kept = 0; // the most one terminal kept
    int64_t pass_oldest_kept_ms = INT64_MAX;
  };
  struct sweep_result {
    size_t examined = 0;
    size_t deleted = 0;
    bool wrapped = false; // reached the start; the cursor starts again
    // When wrapped, what the whole pass kept: records, the most of one
    // terminal, the oldest one's time (INT64_MAX: none).
    size_t kept = 0;
    size_t most_kept = 0;
    int64_t oldest_kept_ms = INT64_MAX;
  };
  /// Retention of history records: looks at about `budget` keys (at most
  /// `budget` + `max_per_terminal`) from `cursor` forwards, a terminal's
  /// counted newest first, and deletes those older than `before_ms` or
  /// beyond the newest `max_per_terminal` of their terminal (one batch, not
  /// synced: a delete lost in a crash is done again by the next pass).
  sweep_result sweep_calls(sweep_cursor& cursor, int64_t before_ms,
                           size_t max_per_terminal, size_t budget, status& st);

  /// Keys the retention sweep looked at since the store was opened (for
  /// tests and benchmarks).
  uint64_t keys_swept() const { return keys_swept_; }

  /// Admin API changes (meta keys "admin/..."): each is one synced write.
  status put_label_items(const std::vector<std::string>& items);
  status put_cluster_settings(const cluster_settings& c);
  status put_node_state(const std::string& node_id, const std::string& state);
  /// Every stored admin change; a corrupt entry is reported in `st`.
  admin_settings load_admin(status& st);

  /// API keys (meta keys "apikey/..."): each change one synced write.
  status put_api_key(const api_key_record& key);
  /// Deletes key `key_id`; `found` tells whether it existed.
  status delete_api_key(const std::string& key_id, bool& found);
  std::vector<api_key_record> load_api_keys(status& st);

  /// The next free job sequence number (1 on a new database).
  uint64_t next_job_seq(status& st);

  /// The sequential part of a job id: "J" + 16 hex digits of `seq` (the
  /// whole id of jobs stored before ids had a random part).
  static std::string job_id_for(uint64_t seq);
  /// A new job's id: job_id_for(seq) + 16 random hex digits, so that a
  /// job's id cannot be guessed from another's.
  static std::string new_job_id(uint64_t seq);

private:
  store() = default;
  rocksdb::ColumnFamilyHandle* cf(family f) const {
    return handles_[static_cast<size_t>(f)];
  }
  /// The one write path: writes `batch` (synced when set_sync(true) and
  /// `may_sync`); a failure reads "<what>: <RocksDB status>".
  status write(rocksdb::WriteBatch& batch, std::string_view what,
               bool may_sync = true);
  /// Calls `each(key, value)` for every key of family `f` that starts with
  /// `prefix`, in key order; a failed scan sets "cannot scan <what>: ..."
  /// in `st`.
  using visit = std::function<void(std::string_view, std::string_view)>;
  void scan(family f, std::string_view prefix, std::string_view what,
            status& st, const visit& each);
  /// Every record of family `f` under `prefix` that decodes; one that does
  /// not is reported as "corrupt <noun> record <key>".
  template <class Record>
  std::vector<Record> load_all(family f, std::string_view prefix,
                               std::string_view noun, std::string_view what,
                               status& st);

  bool sync_ = false;
  uint64_t keys_swept_ = 0;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

/// JSON encoding of records (also used by tests and tools).
std::string encode(const terminal_record& rec);
std::string encode(const job_record& rec);
bool decode(const std::string& text, terminal_record& out);
bool decode(const std::string& text, job_record& out);
std::string encode(const api_history& rec);
std::string encode(const cluster_settings& rec);
bool decode(const std::string& text, cluster_settings& out);
bool decode(const std::string& text, api_history& out);
std::string encode(const api_key_record& rec);
/// A history record's value (the key holds terminal, time and seq).
std::string encode(const call_record& rec);
/// Fills the value's fields of `out` (not those of the key).
bool decode(const std::string& text, call_record& out);
bool decode(const std::string& text, api_key_record& out);

} // namespace tether::storage
