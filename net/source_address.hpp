// source_address: a device's source IP as a balancer connection keeps it for
// the socket's life (issue 12: bytes per idle device): its 4 or 16 bytes and
// scope, 24 bytes where the text took a 32-byte std::string. The text is
// made again when asked for (at a session's start, in logs and audits): the
// same text peer_address gave, IPv4 for an IPv4-mapped address. Not
// changed after construction, so any thread may read it. Header-only,
// Boost.Asio; tests/net/source_address_test.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace tether::net {

class source_address {
public:
  /// "" (unknown) or an address as peer_address writes it; text that is
  /// not an address is kept as unknown.
  explicit source_address(std::string_view text) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(text, ec);
    if (ec)
      return;
    kind_ = a.is_v4() ? kind::v4 : kind::v6;
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), bytes_.begin());
    } else {
      bytes_ = a.to_v6().to_bytes();
      scope_ = a.to_v6().scope_id();
    }
  }

  /// The text it was made from ("" when unknown).
  std::string str() const {
    switch (kind_) {
    case kind::v4:
      return boost::asio::ip::address_v4{
        {bytes_[0], bytes_[1], bytes_[2], bytes_[3]}}
        .to_string();
    case kind::v6:
      return boost::asio::ip::address_v6{bytes_, scope_}.to_string();
    default:
      return {};
    }
  }

private:
  enum class kind : uint8_t { unknown, v4, v6 };
  std::array<unsigned char, 16> bytes_{};
  uint32_t scope_ = 0;
  kind kind_ = kind::unknown;
};

} // namespace tether::net
