#include "auth/issued_tokens.hpp"

#include <map>

#include <openssl/evp.h>

namespace tether::auth {

issued_tokens::digest issued_tokens::digest_of(std::string_view token) {
  digest d{};
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

void issued_tokens::add(std::string_view token) {
  if (capacity_ == 0)
    return;
  auto d = digest_of(token);
  std::lock_guard<std::mutex> guard{mtx_};
  if (!live_.insert(d).second)
    return; // the same token again (same claims in the same second)
  order_.push_back(d);
  while (order_.size() > capacity_) {
    live_.erase(order_.front());
    order_.pop_front();
  }
}

bool issued_tokens::take(std::string_view token) {
  auto d = digest_of(token);
  std::lock_guard<std::mutex> guard{mtx_};
  if (live_.erase(d) == 0)
    return false;
  if (live_.empty())
    order_.clear(); // after a burst: no room kept for taken tokens
  return true;
}

size_t issued_tokens::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return live_.size();
}

namespace {

struct registry {
  std::mutex mtx;
  std::map<std::string, std::shared_ptr<issued_tokens>, std::less<>> by_kid;
};

registry& kept() {
  static registry r;
  return r;
}

} // namespace

std::shared_ptr<issued_tokens> issued_tokens::keep_for(const std::string& kid,
                                                       size_t capacity) {
  auto& r = kept();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto& set = r.by_kid[kid];
  if (!set)
    set = std::make_shared<issued_tokens>(capacity);
  return set;
}

std::shared_ptr<issued_tokens> issued_tokens::of_key(std::string_view kid) {
  auto& r = kept();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = r.by_kid.find(kid);
  return i == r.by_kid.end() ? nullptr : i->second;
}

void issued_tokens::drop(const std::string& kid) {
  auto& r = kept();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.by_kid.erase(kid);
}

} // namespace tether::auth
