// The calls family of the store: each terminal's history records (see the
// key schema in store.hpp). Reads go newest first; the retention sweep
// walks the family forwards, a terminal at a time, a bounded number of keys at
// a time.
#include "storage/store.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/json_writer.hpp"

namespace json = boost::json;

namespace tether::storage {

namespace {

constexpr size_t time_and_seq = 12; // 8-byte ms + 4-byte seq

void put_be(std::string& out, uint64_t x, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

uint64_t get_be(std::string_view s) {
  uint64_t x = 0;
  for (unsigned char c : s)
    x = (x << 8) | c;
  return x;
}

/// Splits a key into the record's terminal, time and seq; false when it is
/// not a history key.
bool split_key(std::string_view key, call_record& out) {
  if (key.size() < time_and_seq + 1 || key[key.size() - time_and_seq - 1] != 0)
    return false;
  auto tail = key.substr(key.size() - time_and_seq);
  out.terminal_id = std::string{key.substr(0, key.size() - time_and_seq - 1)};
  out.at_ms = static_cast<int64_t>(get_be(tail.substr(0, 8)));
  out.seq = static_cast<uint32_t>(get_be(tail.substr(8)));
  return true;
}

/// The cursor of a record: "<ms>.<seq>" (what `next` carries).
std::string cursor_of(const call_record& r) {
  return std::to_string(r.at_ms) + "." + std::to_string(r.seq);
}

/// Parses "<ms>.<seq>"; false when malformed.
bool parse_cursor(const std::string& text, call_record& at) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()
      || text.size() > 32)
    return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (i != dot && (text[i] < '0' || text[i] > '9'))
      return false;
  try {
    at.at_ms = std::stoll(text.substr(0, dot));
    auto seq = std::stoull(text.substr(dot + 1));
    if (seq > UINT32_MAX)
      return false;
    at.seq = static_cast<uint32_t>(seq);
  } catch (...) {
    return false;
  }
  return true;
}

std::string field(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_string())
    return std::string{v->get_string()};
  return {};
}

} // namespace

std::string store::call_key(const call_record& r) {
  std::string key = r.terminal_id;
  key.push_back('\0');
  put_be(key, static_cast<uint64_t>(std::max<int64_t>(r.at_ms, 0)), 8);
  put_be(key, r.seq, 4);
  return key;
}

std::string encode(const call_record& r) {
  // Written directly (json_writer.hpp); empty members are left out.
  json_writer w{48 + r.event.size() + r.job_id.size() + r.detail.size()
                + r.node.size() + r.address.size()};
  w.add("e", r.event);
  for (auto [key, value] :
       {std::pair{"j", &r.job_id}, std::pair{"d", &r.detail},
        std::pair{"n", &r.node}, std::pair{"a", &r.address}})
    if (!value->empty())
      w.add(key, *value);
  return w.finish();
}

bool decode(const std::string& text, call_record& out) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return false;
  const auto& o = v.get_object();
  out.event = field(o, "e");
  out.job_id = field(o, "j");
  out.detail = field(o, "d");
  out.node = field(o, "n");
  out.address = field(o, "a");
  return !out.event.empty();
}

call_page store::load_calls(const std::string& terminal_id, int64_t since_ms,
                            const std::string& cursor, size_t limit,
                            status& st) {
  call_page page;
  call_record from;
  from.terminal_id = terminal_id;
  from.at_ms = INT64_MAX;
  from.seq = UINT32_MAX;
  if (!cursor.empty() && !parse_cursor(cursor, from)) {
    st.message = "malformed cursor";
    return page;
  }
  auto first = call_key(from);
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, cf(family::calls))};
  // A cursor names the last record of the previous page: start before it.
  it->SeekForPrev(first);
  if (it->Valid() && !cursor.empty() && it->key().ToString() == first)
    it->Prev();
  for (; it->Valid() && page.records.size() <= limit; it->Prev()) {
    call_record r;
    if (!split_key(it->key().ToString(), r) || r.terminal_id != terminal_id
        || r.at_ms < since_ms)
      break;
    if (page.records.size() == limit) { // one more exists: a next page
      page.next = cursor_of(page.records.back());
      break;
    }
    if (!decode(it->value().ToString(), r)) {
      st.message = "corrupt history record of " + terminal_id;
      continue;
    }
    page.records.push_back(std::move(r));
  }
  if (!it->status().ok())
    st.message = "cannot read history: " + it->status().ToString();
  return page;
}

namespace {

/// Closes the count of the terminal the cursor was on.
void end_terminal(store::sweep_cursor& c) {
  c.pass_kept += c.kept;
  c.pass_most_kept = std::max(c.pass_most_kept, c.kept);
  c.newer = 0;
  c.kept = 0;
}

/// True when the sweep deletes the record under `key`; counts what it keeps.
bool sweep_one(store::sweep_cursor& c, const std::string& key,
               int64_t before_ms, size_t max_per_terminal) {
  call_record r;
  if (!split_key(key, r)) // not ours: never kept
    return true;
  if (r.terminal_id != c.terminal) {
    end_terminal(c);
    c.terminal = r.terminal_id;
  }
  if (++c.newer > max_per_terminal || r.at_ms < before_ms)
    return true;
  ++c.kept;
  c.pass_oldest_kept_ms = std::min(c.pass_oldest_kept_ms, r.at_ms);
  return false;
}

/// One visit of the sweep to a terminal: its keys read forward from the
/// cursor, oldest first.
struct terminal_run {
  std::vector<std::string> keys;
  bool complete = false; // the terminal's newest key is among them
  bool foreign = false;  // one key that is not a history key
};

/// The terminal part of a history key; nullopt when it is not one.
std::optional<std::string_view> terminal_of(std::string_view key) {
  if (key.size() < time_and_seq + 1 || key[key.size() - time_and_seq - 1] != 0)
    return std::nullopt;
  return key.substr(0, key.size() - time_and_seq - 1);
}

/// Reads forward from `it` the keys of the terminal `it` is on, at most
/// `limit` (Next is cheap; Prev on the memtable is a search from its top,
/// and walks every deleted key again, so the sweep never walks backwards).
terminal_run read_run(rocksdb::Iterator& it, size_t limit) {
  terminal_run run;
  auto first = it.key().ToString();
  auto terminal = terminal_of(first);
  if (!terminal) {
    run.keys.push_back(std::move(first));
    run.complete = run.foreign = true;
    it.Next();
    return run;
  }
  std::string id{*terminal};
  for (; it.Valid(); it.Next()) {
    auto key = it.key().ToStringView();
    if (terminal_of(key) != std::string_view{id}) {
      run.complete = true;
      return run;
    }
    if (run.keys.size() == limit)
      return run;
    run.keys.emplace_back(key);
  }
  run.complete = true;
  return run;
}

/// Decides a visit's keys: a terminal read to its newest key is counted
/// newest first (sweep_one); of one read only in part, the keys with at
/// least `max_per_terminal` newer ones read after them go, and the sweep
/// comes back for the rest (returned: where to go on, "" for the next key).
std::string sweep_run(store::sweep_cursor& c, const terminal_run& run,
                      int64_t before_ms, size_t max_per_terminal,
                      const std::function<void(const std::string&)>& drop) {
  if (!run.complete) {
    auto go = run.keys.size() - std::min(run.keys.size(), max_per_terminal);
    std::for_each(run.keys.begin(), run.keys.begin() + go, drop);
    return go < run.keys.size() ? run.keys[go] : std::string{};
  }
  for (auto k = run.keys.rbegin(); k != run.keys.rend(); ++k)
    if (run.foreign || sweep_one(c, *k, before_ms, max_per_terminal))
      drop(*k);
  return {};
}

/// Closes a pass that reached the family's end.
void end_pass(store::sweep_cursor& c, store::sweep_result& out) {
  end_terminal(c);
  out.wrapped = true;
  out.kept = c.pass_kept;
  out.most_kept = c.pass_most_kept;
  out.oldest_kept_ms = c.pass_oldest_kept_ms;
  c = {};
}

} // namespace

store::sweep_result store::sweep_calls(sweep_cursor& cursor, int64_t before_ms,
                                       size_t max_per_terminal, size_t budget,
                                       status& st) {
  sweep_result out;
  rocksdb::WriteBatch batch;
  auto drop = [&](const std::string& key) {
    batch.Delete(cf(family::calls), key);
    ++out.deleted;
  };
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, cf(family::calls))};
  cursor.key.empty() ? it->SeekToFirst() : it->Seek(cursor.key);
  while (it->Valid() && out.examined < budget) {
    auto run = read_run(*it, budget - out.examined + max_per_terminal);
    out.examined += run.keys.size();
    if (auto back = sweep_run(cursor, run, before_ms, max_per_terminal, drop);
        !back.empty())
      it->Seek(back);
    cursor.key = it->Valid() ? it->key().ToString() : std::string{};
  }
  keys_swept_ += out.examined;
  if (!it->status().ok())
    st.message = "cannot sweep history: " + it->status().ToString();
  else if (!it->Valid())
    end_pass(cursor, out);
  if (out.deleted > 0) {
    // Not synced: a delete lost in a crash is done again by the next pass.
    if (auto w = write(batch, "cannot sweep history", false); !w.ok())
      st = w;
  }
  return out;
}

} // namespace tether::storage
