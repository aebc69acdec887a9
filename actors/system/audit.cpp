#include "actors/system/audit.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <boost/json.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "actors/policy/api.hpp"
#include "actors/system/log.hpp"

namespace tether {

namespace {

struct audit_file {
  std::mutex mtx;
  std::FILE* out = nullptr;
};

audit_file& the_file() {
  static audit_file f;
  return f;
}

} // namespace

bool open_audit_log(const std::string& path, std::string& error) {
  int fd
    = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::FILE* f = fd >= 0 ? ::fdopen(fd, "a") : nullptr;
  if (f == nullptr) {
    if (fd >= 0)
      ::close(fd);
    error = "cannot open the audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  auto& a = the_file();
  std::lock_guard guard{a.mtx};
  if (a.out != nullptr)
    std::fclose(a.out);
  a.out = f;
  return true;
}

void close_audit_log() {
  auto& a = the_file();
  std::lock_guard guard{a.mtx};
  if (a.out != nullptr)
    std::fclose(a.out);
  a.out = nullptr;
}

std::string audit_line(int64_t unix_ms, std::string_view event,
                       const audit_fields& fields) {
  boost::json::object o;
  o["time"] = api::rfc3339(unix_ms);
  o["event"] = event;
  for (const auto& [name, value] : fields)
    o[name] = value;
  return boost::json::serialize(o);
}

void audit(std::string_view event, const audit_fields& fields) {
  auto& a = the_file();
  std::lock_guard guard{a.mtx};
  if (a.out == nullptr)
    return;
  auto line = audit_line(now_ms(), event, fields) + "\n";
  std::fwrite(line.data(), 1, line.size(), a.out);
  std::fflush(a.out);
}

} // namespace tether
