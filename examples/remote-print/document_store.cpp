#include "remote-print/document_store.hpp"

#include "remote-print/log.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace tether::print {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view id_prefix = "doc-";
constexpr std::size_t id_hex_digits = 32;
constexpr std::int64_t schema_version = 1;

std::string new_document_id() {
  static std::random_device
    random; // the system's random source (getrandom/urandom)
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(id_prefix);
  for (std::size_t i = 0; i < id_hex_digits / 8; ++i) {
    auto word = random();
    for (int nibble = 0; nibble < 8; ++nibble, word >>= 4)
      id += hex[word & 0xf];
  }
  return id;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

// Writes `bytes` to `path` through "<path>.tmp" + fsync + rename (see the
// header).
bool write_file_durably(const fs::path& path, std::string_view bytes,
                        std::string& error) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot create " + tmp.string() + ": " + errno_text(errno);
    return false;
  }
  auto fail = [&](const char* what) {
    error = std::string(what) + " " + tmp.string() + ": " + errno_text(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fail("cannot write");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail("cannot sync");
  if (::close(fd) != 0) {
    error = "cannot close " + tmp.string() + ": " + errno_text(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp.string() + ": " + errno_text(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// Makes renames and creations in `dir` durable.
bool sync_directory(const fs::path& dir, std::string& error) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    error = "cannot sync directory " + dir.string() + ": " + errno_text(errno);
    if (fd >= 0)
      ::close(fd);
    return false;
  }
  ::close(fd);
  return true;
}

// --- the record's JSON form (the .json file) ---

std::string encode(const document_record& r) {
  json::object o{{"schema", schema_version},
                 {"document_id", r.document_id},
                 {"terminal_id", r.terminal_id},
                 {"user_id", r.user_id},
                 {"name", r.name},
                 {"content_type", r.content_type},
                 {"size", r.size},
                 {"submitted_at", r.submitted_at},
                 {"job_id", r.job_id},
                 {"status", r.status},
                 {"detail", r.detail},
                 {"status_source", r.status_source},
                 {"queued_at", r.queued_at},
                 {"delivered_at", r.delivered_at},
                 {"acked_at", r.acked_at},
                 {"finished_at", r.finished_at},
                 {"updated_at", r.updated_at},
                 {"fetches", r.fetches},
                 {"last_fetched_at", r.last_fetched_at}};
  return json::serialize(o);
}

std::string string_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string())
                                        : std::string();
}

std::uint64_t uint_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr)
    return 0;
  if (v->is_uint64())
    return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0)
    return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

bool decode(std::string_view text, document_record& r, std::string& problem) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    problem = "not a JSON object";
    return false;
  }
  const auto& o = v.get_object();
  auto* schema = o.if_contains("schema");
  if (schema == nullptr || !schema->is_int64()
      || schema->get_int64() != schema_version) {
    problem
      = "unknown schema (expected " + std::to_string(schema_version) + ")";
    return false;
  }
  r.document_id = string_at(o, "document_id");
  r.terminal_id = string_at(o, "terminal_id");
  r.user_id = string_at(o, "user_id");
  r.name = string_at(o, "name");
  r.content_type = string_at(o, "content_type");
  r.size = uint_at(o, "size");
  r.submitted_at = string_at(o, "submitted_at");
  r.job_id = string_at(o, "job_id");
  r.status = string_at(o, "status");
  r.detail = string_at(o, "detail");
  r.status_source = string_at(o, "status_source");
  r.queued_at = string_at(o, "queued_at");
  r.delivered_at = string_at(o, "delivered_at");
  r.acked_at = string_at(o, "acked_at");
  r.finished_at = string_at(o, "finished_at");
  r.updated_at = string_at(o, "updated_at");
  r.fetches = uint_at(o, "fetches");
  r.last_fetched_at = string_at(o, "last_fetched_at");
  if (r.terminal_id.empty() || r.status.empty()) {
    problem = "terminal_id or status missing";
    return false;
  }
  return true;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size()
      && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

bool is_document_id(std::string_view id) {
  if (id.size() != id_prefix.size() + id_hex_digits
      || id.substr(0, id_prefix.size()) != id_prefix)
    return false;
  for (char c : id.substr(id_prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              now.time_since_epoch())
              .count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64]; // ample for any year a std::tm can hold
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::unique_ptr<document_store> document_store::open(const fs::path& dir,
                                                     std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    error = "cannot create data directory " + dir.string() + ": "
          + (ec ? ec.message() : std::string("not a directory"));
    return nullptr;
  }
  // Fail now, not at the first upload, when the directory is not writable.
  std::string probe_error;
  if (!write_file_durably(dir / ".probe", "", probe_error)) {
    error
      = "data directory " + dir.string() + " is not writable: " + probe_error;
    return nullptr;
  }
  fs::remove(dir / ".probe", ec);
  std::unique_ptr<document_store> store(new document_store(dir));
  store->load();
  return store;
}

void document_store::load() {
  auto log = logger("store");
  std::set<std::string> data_files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    auto file = entry.path().filename().string();
    if (ends_with(
          file,
          ".tmp")) { // an interrupted write: the old version (if any) stands
      fs::remove(entry.path(), ec);
      continue;
    }
    if (ends_with(file, ".data")) {
      data_files.insert(file.substr(0, file.size() - 5));
      continue;
    }
    if (!ends_with(file, ".json"))
      continue;
    auto id = file.substr(0, file.size() - 5);
    if (!is_document_id(id))
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    document_record record;
    std::string problem;
    if (!in || !decode(text.str(), record, problem)
        || record.document_id != id) {
      log->warn("skipping {}: {}", entry.path().string(),
                problem.empty() ? "unreadable or names another document"
                                : problem);
      continue;
    }
    records_.emplace(id, std::move(record));
  }
  if (ec)
    log->warn("cannot list {}: {}", dir_.string(), ec.message());

  for (auto it = records_.begin(); it != records_.end();) {
    if (!data_files.count(it->first)) {
      log->warn("[{}] print data missing: record skipped", it->first);
      it = records_.erase(it);
      continue;
    }
    data_files.erase(it->first);
    if (!it->second.job_id.empty())
      by_job_[it->second.job_id] = it->first;
    ++it;
  }
  // A .data without its .json: create() was interrupted before answering;
  // nobody has the id.
  for (const auto& orphan : data_files) {
    if (!is_document_id(orphan))
      continue;
    log->info("[{}] removing print data of an interrupted submission", orphan);
    fs::remove(data_path(orphan), ec);
  }
  log->info("{} documents in {}", records_.size(), dir_.string());
}

bool document_store::create(document_record& record, std::string_view data,
                            std::string& error) {
  std::string id;
  do
    id = new_document_id();
  while (records_.count(id));
  record.document_id = id;
  auto meta = dir_ / (id + ".json");
  if (!write_file_durably(data_path(id), data, error))
    return false;
  if (!write_file_durably(meta, encode(record), error)
      || !sync_directory(dir_, error)) {
    std::error_code ignored;
    fs::remove(meta, ignored);
    fs::remove(data_path(id), ignored);
    return false;
  }
  records_.emplace(id, record);
  if (!record.job_id.empty())
    by_job_[record.job_id] = id;
  return true;
}

bool document_store::save(const document_record& record, std::string& error) {
  auto it = records_.find(record.document_id);
  if (it == records_.end()) {
    error = "unknown document " + record.document_id;
    return false;
  }
  if (!record.job_id.empty())
    by_job_[record.job_id] = record.document_id;
  if (&it->second != &record)
    it->second = record;
  return write_file_durably(dir_ / (record.document_id + ".json"),
                            encode(record), error);
}

void document_store::remove(const std::string& document_id) {
  auto it = records_.find(document_id);
  if (it == records_.end())
    return;
  if (!it->second.job_id.empty())
    by_job_.erase(it->second.job_id);
  records_.erase(it);
  std::error_code ignored;
  fs::remove(dir_ / (document_id + ".json"), ignored);
  fs::remove(data_path(document_id), ignored);
}

document_record* document_store::find(const std::string& document_id) {
  auto it = records_.find(document_id);
  return it == records_.end() ? nullptr : &it->second;
}

document_record* document_store::find_by_job(const std::string& job_id) {
  auto it = by_job_.find(job_id);
  return it == by_job_.end() ? nullptr : find(it->second);
}

fs::path document_store::data_path(const std::string& document_id) const {
  return dir_ / (document_id + ".data");
}

void document_store::for_each(const std::function<void(document_record&)>& f) {
  for (auto& [id, record] : records_)
    f(record);
}

} // namespace tether::print
