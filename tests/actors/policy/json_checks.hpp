// JSON helpers of the codec tests (frames_test.cpp, api_test.cpp): parse a
// text that must be one JSON object, failing the test otherwise.
#pragma once

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace tether::test_json {

/// The object `text` holds; an empty object (and a failure) if it is not one.
inline boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

} // namespace tether::test_json
