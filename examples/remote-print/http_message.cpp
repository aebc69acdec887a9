#include "remote-print/http_message.hpp"

#include <boost/json.hpp>

namespace tether::print {

namespace json = boost::json;

http_response error_response(unsigned status, std::string_view code,
                             std::string_view message) {
  http_response r;
  r.status = status;
  r.body = json::serialize(json::object{
    {"error", json::object{{"code", code}, {"message", message}}}});
  return r;
}

http_response json_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

} // namespace tether::print
