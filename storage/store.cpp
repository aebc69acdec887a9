#include "storage/store.hpp"
#include "storage/insert_hints.hpp"
#include "storage/json_writer.hpp"
#include "storage/secrets_dir.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <iterator>

#include <boost/json.hpp>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace json = boost::json;

namespace tether::storage {

namespace {

const char* family_names[]
  = {"default", "terminals", "jobs", "history", "events", "calls"};

std::string be64(uint64_t x) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(x & 0xff);
    x >>= 8;
  }
  return out;
}

uint64_t from_be64(const std::string& s) {
  uint64_t x = 0;
  for (unsigned char c : s)
    x = (x << 8) | c;
  return x;
}

std::string str(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_string())
    return std::string{v->get_string()};
  return {};
}

/// The JSON object `text` holds (none: not JSON, or not an object).
std::optional<json::object> object_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.get_object());
}

int64_t num(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_int64())
    return v->get_int64();
  return 0;
}

/// The record under `id` (none when absent); a failed read or a corrupt
/// record reads "cannot read <noun> <id>: <why>".
template <class Record>
std::optional<Record>
get_record(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
           const std::string& id, std::string_view noun, status& st) {
  std::string value;
  auto s = db->Get(rocksdb::ReadOptions{}, family, id, &value);
  if (s.IsNotFound())
    return std::nullopt;
  Record rec;
  if (!s.ok() || !decode(value, rec)) {
    st.message = "cannot read " + std::string{noun} + " " + id + ": "
               + (s.ok() ? std::string{"corrupt record"} : s.ToString());
    return std::nullopt;
  }
  return rec;
}

} // namespace

store::~store() {
  // Debian's RocksDB keeps assert(): handles must go before the DB.
  for (auto* h : handles_)
    if (db_ != nullptr)
      db_->DestroyColumnFamilyHandle(h);
  delete db_;
}

status store::write(rocksdb::WriteBatch& batch, std::string_view what,
                    bool may_sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync_ && may_sync;
  if (auto s = db_->Write(wo, &batch); !s.ok())
    return {std::string{what} + ": " + s.ToString()};
  return {};
}

void store::scan(family f, std::string_view prefix, std::string_view what,
                 status& st, const visit& each) {
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, cf(f))};
  for (it->Seek(rocksdb::Slice{prefix.data(), prefix.size()}); it->Valid();
       it->Next()) {
    std::string_view key{it->key().data(), it->key().size()};
    if (!key.starts_with(prefix))
      break;
    each(key, {it->value().data(), it->value().size()});
  }
  if (!it->status().ok())
    st.message
      = "cannot scan " + std::string{what} + ": " + it->status().ToString();
}

template <class Record>
std::vector<Record> store::load_all(family f, std::string_view prefix,
                                    std::string_view noun,
                                    std::string_view what, status& st) {
  std::vector<Record> out;
  scan(f, prefix, what, st, [&](std::string_view key, std::string_view value) {
    Record rec;
    if (decode(std::string{value}, rec))
      out.push_back(std::move(rec));
    else
      st.message
        = "corrupt " + std::string{noun} + " record " + std::string{key};
  });
  return out;
}

std::unique_ptr<store> store::open(const std::string& dir, status& st,
                                   const memory_bounds& bounds) {
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.max_open_files = 256; // stay far below the 20,000 fd limit
  opts.keep_log_file_num = 4;
  // Bounded memory (the soak, docs/BENCHMARKS.md): without these, each
  // column family fills a 64 MB memtable before its first flush and gets
  // its own 32 MB block cache.
  opts.db_write_buffer_size = bounds.memtable_bytes;
  rocksdb::ColumnFamilyOptions family;
  family.write_buffer_size
    = std::max<size_t>(bounds.memtable_bytes / 2, 1 << 20);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(bounds.block_cache_bytes);
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (auto* name : family_names) {
    families.emplace_back(name, family);
    families.back().options.memtable_insert_with_hint_prefix_extractor
      = insert_hints_for(name); // insert_hints.hpp
  }
  std::unique_ptr<store> self{new store};
  auto s = rocksdb::DB::Open(opts, dir, families, &self->handles_, &self->db_);
  if (!s.ok()) {
    st.message = "cannot open database in " + dir + ": " + s.ToString();
    if (s.IsIOError() && s.ToString().find("LOCK") != std::string::npos)
      st.message += " (another tetherd is probably running with this data "
                    "directory; each process needs its own)";
    self->handles_.clear();
    return nullptr;
  }
  std::string version;
  s = self->db_->Get(rocksdb::ReadOptions{}, self->cf(family::meta),
                     "schema_version", &version);
  if (s.IsNotFound()) {
    s = self->db_->Put(rocksdb::WriteOptions{}, self->cf(family::meta),
                       "schema_version", std::to_string(schema_version));
    if (!s.ok()) {
      st.message = "cannot write schema version: " + s.ToString();
      return nullptr;
    }
  } else if (!s.ok()) {
    st.message = "cannot read schema version: " + s.ToString();
    return nullptr;
  } else if (version != std::to_string(schema_version)) {
    st.message = "database in " + dir + " has schema version " + version
               + ", this build reads version " + std::to_string(schema_version);
    return nullptr;
  }
  return self;
}

status store::put_terminal(const terminal_record& rec) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(family::terminals), rec.terminal_id, encode(rec));
  return write(batch, "cannot write terminal " + rec.terminal_id);
}

namespace {
constexpr std::string_view retired_prefix = "retired/";
} // namespace

status store::retire_terminal(const std::string& id, uint64_t generation) {
  rocksdb::WriteBatch batch;
  batch.Delete(cf(family::terminals), id);
  batch.Delete(cf(family::history), id);
  // Its history records: keys id + 0x00 + time and seq (call_key).
  batch.DeleteRange(cf(family::calls), id + std::string(1, '\0'),
                    id + std::string(1, '\1'));
  batch.Put(cf(family::meta), std::string{retired_prefix} + id,
            std::to_string(generation));
  return write(batch, "cannot retire terminal " + id);
}

std::map<std::string, uint64_t> store::load_retired(status& st) {
  std::map<std::string, uint64_t> out;
  scan(family::meta, retired_prefix, "retired terminals", st,
       [&](std::string_view key, std::string_view value) {
         if (value.empty() || value.size() > 19
             || value.find_first_not_of("0123456789") != value.npos) {
           st.message = "corrupt record " + std::string{key};
           return;
         }
         out[std::string{key.substr(retired_prefix.size())}]
           = std::stoull(std::string{value});
       });
  return out;
}

std::optional<terminal_record> store::get_terminal(const std::string& id,
                                                   status& st) {
  return get_record<terminal_record>(db_, cf(family::terminals), id, "terminal",
                                     st);
}

std::vector<terminal_record> store::load_terminals(status& st) {
  return load_all<terminal_record>(family::terminals, {}, "terminal",
                                   "terminals", st);
}

status store::put_jobs(const std::vector<job_record>& jobs, uint64_t next_seq) {
  return put_batch({}, jobs, {}, next_seq);
}

std::string store::event_key(const disconnect_event& e) {
  return be64(static_cast<uint64_t>(std::max<int64_t>(e.at_ms, 0)))
       + e.terminal_id;
}

status store::put_batch(const std::vector<terminal_record>& terminals,
                        const std::vector<job_record>& jobs,
                        const std::vector<api_history>& histories,
                        uint64_t next_seq,
                        const std::vector<disconnect_event>& events,
                        int64_t drop_events_before_ms,
                        const std::vector<call_record>& calls) {
  rocksdb::WriteBatch batch;
  for (const auto& c : calls)
    batch.Put(cf(family::calls), call_key(c), encode(c));
  for (const auto& e : events)
    batch.Put(cf(family::events), event_key(e), e.address);
  if (drop_events_before_ms > 0)
    batch.DeleteRange(cf(family::events), be64(0),
                      be64(static_cast<uint64_t>(drop_events_before_ms)));
  for (const auto& t : terminals)
    batch.Put(cf(family::terminals), t.terminal_id, encode(t));
  // In key order, for the memtable's hinted inserts (insert_hints.hpp).
  auto job_id = [](const job_record& r) -> const std::string& {
    return r.job_id;
  };
  for (const auto* j : in_key_order(jobs, job_id))
    batch.Put(cf(family::jobs), j->job_id, encode(*j));
  auto terminal = [](const api_history& r) -> const std::string& {
    return r.terminal_id;
  };
  for (const auto* h : in_key_order(histories, terminal))
    batch.Put(cf(family::history), h->terminal_id, encode(*h));
  if (next_seq != 0)
    batch.Put(cf(family::meta), "job_seq", be64(next_seq));
  return write(batch, "cannot write");
}

status store::delete_events(const std::vector<disconnect_event>& events) {
  rocksdb::WriteBatch batch;
  for (const auto& e : events)
    batch.Delete(cf(family::events), event_key(e));
  return write(batch, "cannot write");
}

std::vector<disconnect_event> store::load_events(status& st) {
  std::vector<disconnect_event> out;
  scan(family::events, {}, "events", st,
       [&](std::string_view key, std::string_view value) {
         if (key.size() <= 8) {
           st.message = "corrupt disconnect event key";
           return;
         }
         out.push_back(
           {static_cast<int64_t>(from_be64(std::string{key.substr(0, 8)})),
            std::string{key.substr(8)}, std::string{value}});
       });
  return out;
}

std::vector<api_history> store::load_histories(status& st) {
  return load_all<api_history>(family::history, {}, "history", "history", st);
}

std::optional<job_record> store::get_job(const std::string& id, status& st) {
  return get_record<job_record>(db_, cf(family::jobs), id, "job", st);
}

std::vector<job_record> store::load_jobs(status& st, size_t keep_final) {
  std::vector<job_record> needed; // open, or callback pending
  std::deque<job_record> recent;  // the newest other final ones
  scan(family::jobs, {}, "jobs", st,
       [&](std::string_view key, std::string_view value) {
         job_record rec;
         if (!decode(std::string{value}, rec)) {
           st.message = "corrupt job record " + std::string{key};
         } else if (!is_final_status(rec.status) || rec.callback_pending) {
           needed.push_back(std::move(rec));
         } else if (keep_final > 0) {
           if (recent.size() == keep_final)
             recent.pop_front();
           recent.push_back(std::move(rec));
         }
       });
  // Both are in key (creation) order.
  std::vector<job_record> out;
  out.reserve(needed.size() + recent.size());
  std::merge(std::make_move_iterator(needed.begin()),
             std::make_move_iterator(needed.end()),
             std::make_move_iterator(recent.begin()),
             std::make_move_iterator(recent.end()), std::back_inserter(out),
             [](const job_record& a, const job_record& b) {
               return a.job_id < b.job_id;
             });
  return out;
}

size_t store::purge_jobs(int64_t finished_before_ms, status& st) {
  rocksdb::WriteBatch batch;
  size_t n = 0;
  status scanned;
  scan(family::jobs, {}, "jobs", scanned,
       [&](std::string_view key, std::string_view value) {
         job_record rec;
         if (!decode(std::string{value}, rec))
           return; // never delete what cannot be read
         if (is_final_status(rec.status) && !rec.callback_pending
             && rec.finished_at_ms != 0
             && rec.finished_at_ms < finished_before_ms) {
           batch.Delete(cf(family::jobs), {key.data(), key.size()});
           ++n;
         }
       });
  if (!scanned.ok()) {
    st = scanned;
    return 0;
  }
  if (n == 0)
    return 0;
  // Not synced (as before): a purge lost in a crash is done again.
  if (auto w = write(batch, "cannot delete old jobs", false); !w.ok()) {
    st = w;
    return 0;
  }
  return n;
}

namespace {

constexpr std::string_view label_items_key = "admin/label_items";
constexpr std::string_view cluster_prefix = "admin/cluster/";
constexpr std::string_view node_prefix = "admin/node/";

/// One "admin/..." entry into `out`; false when it is corrupt.
bool load_admin_entry(admin_settings& out, const std::string& key,
                      const std::string& value) {
  if (key == label_items_key) {
    boost::system::error_code ec;
    auto v = json::parse(value, ec);
    if (ec || !v.is_array())
      return false;
    out.has_label_items = true;
    for (auto& i : v.get_array())
      if (i.is_string())
        out.label_items.emplace_back(i.get_string());
  } else if (key.rfind(cluster_prefix, 0) == 0) {
    cluster_settings c;
    if (!decode(value, c) || c.cluster_id != key.substr(cluster_prefix.size()))
      return false;
    out.clusters.push_back(std::move(c));
  } else if (key.rfind(node_prefix, 0) == 0) {
    out.node_states[key.substr(node_prefix.size())] = value;
  }
  return true;
}

} // namespace

status store::put_label_items(const std::vector<std::string>& items) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(family::meta), std::string{label_items_key},
            json::serialize(json::value_from(items)));
  return write(batch, "cannot write the label configuration");
}

status store::put_cluster_settings(const cluster_settings& c) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(family::meta), std::string{cluster_prefix} + c.cluster_id,
            encode(c));
  return write(batch, "cannot write cluster " + c.cluster_id);
}

status store::put_node_state(const std::string& node_id,
                             const std::string& state) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(family::meta), std::string{node_prefix} + node_id, state);
  return write(batch, "cannot write node " + node_id);
}

admin_settings store::load_admin(status& st) {
  admin_settings out;
  scan(family::meta, "admin/", "admin records", st,
       [&](std::string_view k, std::string_view v) {
         std::string key{k};
         std::string value{v};
         if (!load_admin_entry(out, key, value))
           st.message = "corrupt admin record " + key;
       });
  return out;
}

namespace {
constexpr std::string_view api_key_prefix = "apikey/";
} // namespace

status store::put_api_key(const api_key_record& key) {
  rocksdb::WriteBatch batch;
  batch.Put(cf(family::meta), std::string{api_key_prefix} + key.key_id,
            encode(key));
  return write(batch, "cannot write API key " + key.key_id);
}

status store::delete_api_key(const std::string& key_id, bool& found) {
  auto key = std::string{api_key_prefix} + key_id;
  std::string value;
  auto g = db_->Get(rocksdb::ReadOptions{}, cf(family::meta), key, &value);
  found = g.ok();
  if (!g.ok() && !g.IsNotFound())
    return {"cannot read API key " + key_id + ": " + g.ToString()};
  if (!found)
    return {};
  rocksdb::WriteBatch batch;
  batch.Delete(cf(family::meta), key);
  return write(batch, "cannot delete API key " + key_id);
}

std::vector<api_key_record> store::load_api_keys(status& st) {
  return load_all<api_key_record>(family::meta, api_key_prefix, "API key",
                                  "API keys", st);
}

uint64_t store::next_job_seq(status& st) {
  std::string value;
  auto s
    = db_->Get(rocksdb::ReadOptions{}, cf(family::meta), "job_seq", &value);
  if (s.IsNotFound())
    return 1;
  if (!s.ok() || value.size() != 8) {
    st.message = "cannot read job sequence";
    return 0;
  }
  return from_be64(value);
}

std::string store::new_job_id(uint64_t seq) {
  return job_id_for(seq) + pooled_random_hex(8);
}

std::string store::job_id_for(uint64_t seq) {
  char buf[20];
  std::snprintf(buf, sizeof(buf), "J%016llx",
                static_cast<unsigned long long>(seq));
  return buf;
}

std::string encode(const terminal_record& rec) {
  json::object o{{"terminal_id", rec.terminal_id},
                 {"cluster_id", rec.cluster_id},
                 {"model", rec.model},
                 {"firmware", rec.firmware},
                 {"region", rec.region},
                 {"attributes", json::value_from(rec.attributes)},
                 {"users", json::value_from(rec.users)},
                 {"registered_at_ms", rec.registered_at_ms}};
  if (rec.token_generation != 0 || rec.revoked) {
    o["token_generation"] = rec.token_generation;
    o["revoked"] = rec.revoked;
  }
  if (!rec.services.empty()) // left out: a record main wrote reads the same
    o["services"] = json::value_from(rec.services);
  return json::serialize(o);
}

std::string encode(const job_record& rec) {
  // Written directly (json_writer.hpp): the same bytes as serializing a
  // boost::json::object of these members in this order.
  return json_writer{160 + rec.payload_json.size() + rec.detail.size()
                     + rec.callback_url.size()}
    .add("job_id", rec.job_id)
    .add("terminal_id", rec.terminal_id)
    .add("service", rec.service)
    .add("payload", rec.payload_json)
    .add("status", rec.status)
    .add("detail", rec.detail)
    .add("callback_url", rec.callback_url)
    .add("ttl_s", rec.ttl_s)
    .add("created_at_ms", rec.created_at_ms)
    .add("updated_at_ms", rec.updated_at_ms)
    .add("delivered_at_ms", rec.delivered_at_ms)
    .add("acked_at_ms", rec.acked_at_ms)
    .add("finished_at_ms", rec.finished_at_ms)
    .add("deliveries", rec.deliveries)
    .add("callback_pending", rec.callback_pending)
    .add("callback_outcome", rec.callback_outcome)
    .add("callback_attempts", rec.callback_attempts)
    .finish();
}

bool decode(const std::string& text, terminal_record& out) {
  auto obj = object_of(text);
  if (!obj)
    return false;
  const auto& o = *obj;
  out.terminal_id = str(o, "terminal_id");
  out.cluster_id = str(o, "cluster_id");
  out.model = str(o, "model");
  out.firmware = str(o, "firmware");
  out.region = str(o, "region");
  out.registered_at_ms = num(o, "registered_at_ms");
  out.token_generation = static_cast<uint64_t>(num(o, "token_generation"));
  out.revoked = false;
  if (auto* r = o.if_contains("revoked"); r && r->is_bool())
    out.revoked = r->get_bool();
  out.attributes.clear();
  if (auto* a = o.if_contains("attributes"); a && a->is_object())
    for (auto& [k, val] : a->get_object())
      if (val.is_string())
        out.attributes[std::string{k}] = std::string{val.get_string()};
  out.users.clear();
  if (auto* u = o.if_contains("users"); u && u->is_array())
    for (auto& val : u->get_array())
      if (val.is_string())
        out.users.emplace_back(val.get_string());
  out.services.clear();
  if (auto* sv = o.if_contains("services"); sv && sv->is_array())
    for (auto& val : sv->get_array())
      if (val.is_string())
        out.services.emplace_back(val.get_string());
  return !out.terminal_id.empty();
}

bool decode(const std::string& text, job_record& out) {
  auto obj = object_of(text);
  if (!obj)
    return false;
  const auto& o = *obj;
  out.job_id = str(o, "job_id");
  out.terminal_id = str(o, "terminal_id");
  out.service = str(o, "service");
  out.payload_json = str(o, "payload");
  // Delivered and answered as stored, not parsed again (frames::job): an
  // older build stored an out-of-range number as `Infinity` (or `NaN`), the
  // only text Boost.JSON writes that is not JSON; such a payload reads `{}`
  // as it always did. Only a payload with those letters is parsed here.
  if (out.payload_json.find_first_of("IN") != std::string::npos
      && !object_of(out.payload_json))
    out.payload_json = "{}";
  out.status = canonical_status(str(o, "status")); // older: "cancelled"
  out.detail = str(o, "detail");
  out.callback_url = str(o, "callback_url");
  out.ttl_s = num(o, "ttl_s");
  out.created_at_ms = num(o, "created_at_ms");
  out.updated_at_ms = num(o, "updated_at_ms");
  out.delivered_at_ms = num(o, "delivered_at_ms");
  out.acked_at_ms = num(o, "acked_at_ms");
  out.finished_at_ms = num(o, "finished_at_ms");
  out.deliveries = static_cast<uint32_t>(num(o, "deliveries"));
  if (auto* v = o.if_contains("callback_pending"); v && v->is_bool())
    out.callback_pending = v->get_bool();
  out.callback_outcome = str(o, "callback_outcome");
  out.callback_attempts = static_cast<uint32_t>(num(o, "callback_attempts"));
  return !out.job_id.empty();
}

std::string encode(const cluster_settings& c) {
  return json::serialize(json::object{{"cluster_id", c.cluster_id},
                                      {"labels", json::value_from(c.labels)},
                                      {"state", c.state},
                                      {"weight", c.weight}});
}

bool decode(const std::string& text, cluster_settings& out) {
  auto obj = object_of(text);
  if (!obj)
    return false;
  const auto& o = *obj;
  out.cluster_id = str(o, "cluster_id");
  out.state = str(o, "state");
  out.weight = 0;
  if (auto* w = o.if_contains("weight"); w && (w->is_int64() || w->is_uint64()))
    out.weight = static_cast<uint32_t>(w->to_number<uint64_t>());
  out.labels.clear();
  if (auto* l = o.if_contains("labels"); l && l->is_object())
    for (auto& [item, values] : l->get_object()) {
      auto& vs = out.labels[std::string{item}];
      if (values.is_array())
        for (auto& x : values.get_array())
          if (x.is_string())
            vs.emplace_back(x.get_string());
    }
  return !out.cluster_id.empty()
      && (out.state == "active" || out.state == "draining");
}

std::string encode(const api_key_record& k) {
  return json::serialize(json::object{{"key_id", k.key_id},
                                      {"name", k.name},
                                      {"scopes", json::value_from(k.scopes)},
                                      {"created_at_ms", k.created_at_ms},
                                      {"hash", k.hash}});
}

bool decode(const std::string& text, api_key_record& out) {
  auto obj = object_of(text);
  if (!obj)
    return false;
  const auto& o = *obj;
  out.key_id = str(o, "key_id");
  out.name = str(o, "name");
  out.hash = str(o, "hash");
  out.created_at_ms = 0;
  if (auto* c = o.if_contains("created_at_ms"); c && c->is_int64())
    out.created_at_ms = c->get_int64();
  out.scopes.clear();
  if (auto* sc = o.if_contains("scopes"); sc && sc->is_array())
    for (auto& x : sc->get_array())
      if (x.is_string())
        out.scopes.emplace_back(x.get_string());
  return !out.key_id.empty() && out.hash.size() == 64;
}

std::string encode(const api_history& h) {
  // Written directly (json_writer.hpp), the same bytes as serializing a
  // boost::json::object of these members in this order: the tick hands
  // the store about one history per job pushed (docs/BENCHMARKS.md).
  json_writer w{420 + h.terminal_id.size() + h.disconnect_class.size()
                + h.failure_class.size()};
  w.add("terminal_id", h.terminal_id)
    .add("calls", h.calls)
    .add("errors", h.errors)
    .add("window_start_ms", h.window_start_ms)
    .add("window_calls", h.window_calls)
    .add("window_errors", h.window_errors)
    .add("previous_calls", h.previous_calls)
    .add("previous_errors", h.previous_errors)
    .add("window_prints", h.window_prints)
    .add("previous_prints", h.previous_prints)
    .add("pages", h.pages)
    .add("window_jobs", h.window_jobs)
    .add("previous_jobs", h.previous_jobs)
    .add("connects", h.connects)
    .add("disconnects", h.disconnects)
    .add("keepalive_failures", h.keepalive_failures)
    .add("last_seen_ms", h.last_seen_ms);
  if (!h.disconnect_class.empty())
    w.add("disconnect_class", h.disconnect_class);
  if (!h.failure_class.empty())
    w.add("failure_class", h.failure_class);
  return w.finish();
}

bool decode(const std::string& text, api_history& out) {
  auto obj = object_of(text);
  if (!obj)
    return false;
  const auto& o = *obj;
  auto u = [&](const char* key) {
    return static_cast<uint64_t>(num(o, key));
  };
  out.terminal_id = str(o, "terminal_id");
  out.calls = u("calls");
  out.errors = u("errors");
  out.window_start_ms = num(o, "window_start_ms");
  out.window_calls = u("window_calls");
  out.window_errors = u("window_errors");
  out.previous_calls = u("previous_calls");
  out.previous_errors = u("previous_errors");
  // Absent in records written before these counters existed: 0.
  out.window_prints = u("window_prints");
  out.previous_prints = u("previous_prints");
  out.pages = u("pages");
  out.window_jobs = u("window_jobs");
  out.previous_jobs = u("previous_jobs");
  out.connects = u("connects");
  out.disconnects = u("disconnects");
  out.keepalive_failures = u("keepalive_failures");
  out.last_seen_ms = num(o, "last_seen_ms");
  out.disconnect_class = str(o, "disconnect_class"); // absent: none
  out.failure_class = str(o, "failure_class");
  return !out.terminal_id.empty();
}

} // namespace tether::storage
