// tether-print-service: the documents and their print progress, kept as files.
//
// Layout of the data directory (one pair per document, both named by its id):
//
//   <id>.data   the print data exactly as the user sent it (what the device
//   fetches) <id>.json   the record below, as one JSON object with "schema": 1
//
// Every write goes to "<name>.tmp", is fsync'ed and renamed over the old file
// (and the directory is fsync'ed when a document is created): after a crash a
// file is either the old or the new version, and a document whose creation
// returned is on disk. open() loads every record into memory, drops leftovers
// of interrupted writes (*.tmp, a .data file without its .json) and skips (with
// a warning) records it cannot read, so one bad file never stops the service.
//
// Document ids are "doc-" and 32 hex digits from the system's random source: an
// id is unguessable, which makes a print URL a capability (whoever has it may
// fetch the data).
//
// Runs on the service's one io thread. The file I/O blocks that thread briefly
// (documents are at most a few MiB, writes are one per submission or status
// change); a busier service would hand it to a thread pool.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tether::print {

// One document and what the service knows of its print job.
struct document_record {
  std::string document_id;
  std::string terminal_id; // the device to print on
  std::string
    user_id;        // who asked, when given (linked to the terminal in Tether)
  std::string name; // for people: shown in the job payload and the status
  std::string content_type; // served back with the print data
  std::uint64_t size = 0;   // bytes of print data
  std::string submitted_at; // when the service stored it (RFC 3339 UTC)

  std::string job_id; // Tether's job id; empty until Tether accepted the job
  std::string status
    = "submitting";   // "submitting", then the job's status in Tether
  std::string detail; // the job's detail (the device's result text)
  std::string
    status_source; // where the status came from: "tether" (asked) or "callback"
  std::string queued_at, delivered_at, acked_at, finished_at,
    updated_at; // Tether's times

  std::uint64_t fetches
    = 0; // how often the print data was fetched (by the device)
  std::string last_fetched_at;
};

// "doc-" followed by 32 lower-case hex digits.
bool is_document_id(std::string_view id);

// Now, as RFC 3339 UTC with milliseconds ("2025-01-31T12:00:00.123Z").
std::string utc_now();

class document_store {
public:
  // Opens `dir` (created if missing) and loads the records in it. nullptr and
  // `error` when the directory cannot be created or read.
  static std::unique_ptr<document_store> open(const std::filesystem::path& dir,
                                              std::string& error);

  // Stores `data` and `record` under a new id, which is written into
  // record.document_id. On success both files are durable; on failure nothing
  // is left behind.
  bool create(document_record& record, std::string_view data,
              std::string& error);

  // Replaces the stored record by `record` (its document must exist) and
  // indexes its job id.
  bool save(const document_record& record, std::string& error);

  // Deletes the document's files and forgets it.
  void remove(const std::string& document_id);

  // The live record, or nullptr. Pointers stay valid until the document is
  // removed.
  document_record* find(const std::string& document_id);
  document_record* find_by_job(const std::string& job_id);

  std::filesystem::path data_path(const std::string& document_id) const;
  std::size_t size() const { return records_.size(); }

  void for_each(const std::function<void(document_record&)>& f);

private:
  explicit document_store(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void load();

  std::filesystem::path dir_;
  std::map<std::string, document_record> records_;      // by document id
  std::unordered_map<std::string, std::string> by_job_; // job id -> document id
};

} // namespace tether::print
