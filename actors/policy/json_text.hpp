// json_text: the text of one member of a JSON object, or of each element
// of a JSON array, as it stands in the request body. A job's payload is
// stored and delivered as the client wrote it: parsing it into a
// boost::json::value and serializing that again rewrote its numbers
// (`0.1` became `1E-1`, integers beyond 64 bits lost their digits) and
// wrote an out-of-range number (`1e400`) as `Infinity`, which is not JSON,
// so the device and GET /v1/jobs got `{}` instead (a job acknowledged with
// 202 and then lost). The text is only located here: the body must already
// have been parsed with Boost.JSON (which checked it), and for a key given
// twice the last one counts, as in the value Boost.JSON makes. Plain C++;
// tests in tests/actors/policy/json_text_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::api {

/// The text of member `key` of the JSON object `object_text` (the last one
/// when the key is given more than once), without surrounding whitespace;
/// nothing when there is no such member or the text is not an object.
std::optional<std::string_view> member_text(std::string_view object_text,
                                            std::string_view key);

/// The text of each element of the JSON array `array_text`, in order
/// (empty when it is not an array).
std::vector<std::string_view> element_texts(std::string_view array_text);

/// A key given twice in one object anywhere in `json_text` (the first in
/// name order), or nothing. A payload delivered as written would carry
/// both, and devices differ in which one they read.
std::optional<std::string> repeated_key(std::string_view json_text);

} // namespace tether::api
