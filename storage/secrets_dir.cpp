#include "storage/secrets_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/random_pool.hpp"

namespace tether::storage {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

/// Creates `dir` and its parents with `mode` (existing ones are kept).
bool make_dirs(const std::string& dir, mode_t mode, std::string& error) {
  std::string at;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/')
    at = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty())
      continue;
    at += part;
    if (::mkdir(at.c_str(), mode) != 0 && errno != EEXIST) {
      error = "cannot create " + at + ": " + errno_text();
      return false;
    }
    at += "/";
  }
  return true;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string{} : path.substr(0, slash);
}

} // namespace

namespace {

std::string hex_of(std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  ::explicit_bzero(bytes.data(), bytes.size());
  return out;
}

} // namespace

std::string random_hex(size_t n) {
  std::string bytes(n, '\0');
  kernel_random_or_stop(reinterpret_cast<unsigned char*>(bytes.data()), n);
  return hex_of(bytes);
}

std::string pooled_random_hex(size_t n) {
  std::string bytes(n, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n);
  return hex_of(bytes);
}

secrets_dir::secrets_dir(std::string data_dir)
    : path_(std::move(data_dir) + "/secrets") {
  // nop
}

bool secrets_dir::open(std::string& error) {
  if (!make_dirs(path_, 0700, error))
    return false;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    error = "cannot read " + path_ + ": " + errno_text();
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%03o", st.st_mode & 0777);
    error = path_ + " may be read by others (mode " + std::string{mode}
          + "): chmod 700 " + path_;
    return false;
  }
  return true;
}

std::optional<std::string> secrets_dir::read(const std::string& name,
                                             std::string& error) const {
  auto file = path_ + "/" + name;
  std::ifstream in(file);
  if (!in) {
    if (errno != ENOENT)
      error = "cannot read " + file + ": " + errno_text();
    return std::nullopt;
  }
  std::string value;
  std::getline(in, value);
  while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
    value.pop_back();
  if (value.empty()) {
    error = file + " is empty";
    return std::nullopt;
  }
  return value;
}

bool secrets_dir::write(const std::string& name, const std::string& value,
                        std::string& error) const {
  auto file = path_ + "/" + name;
  if (!make_dirs(parent_of(file), 0700, error))
    return false;
  auto tmp = file + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    error = "cannot write " + tmp + ": " + errno_text();
    return false;
  }
  auto text = value + "\n";
  bool ok
    = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
   && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    error = "cannot write " + file + ": " + errno_text();
    return false;
  }
  return true;
}

std::optional<std::string>
secrets_dir::read_or_create(const std::string& name, size_t random_bytes,
                            bool& created, std::string& error) const {
  created = false;
  if (auto value = read(name, error))
    return value;
  if (!error.empty())
    return std::nullopt;
  auto value = random_hex(random_bytes);
  if (!write(name, value, error))
    return std::nullopt;
  created = true;
  return value;
}

} // namespace tether::storage
