// json_text: the text of an object's member and of an array's elements as
// they stand in a body Boost.JSON has already accepted.
#include "actors/policy/json_text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

using tether::api::element_texts;
using tether::api::member_text;
using tether::api::repeated_key;

TEST(MemberText, GivesTheValueAsWritten) {
  std::string body
    = R"( { "service" : "print", "payload" : {"x":1e400, "y": 0.1 } , "n": 123456789012345678901234567890 } )";
  EXPECT_EQ(member_text(body, "payload").value_or("-"),
            R"({"x":1e400, "y": 0.1 })");
  EXPECT_EQ(member_text(body, "service").value_or("-"), R"("print")");
  EXPECT_EQ(member_text(body, "n").value_or("-"),
            "123456789012345678901234567890");
  EXPECT_FALSE(member_text(body, "missing"));
  EXPECT_FALSE(member_text(body, "x")) << "only the object's own members";
}

TEST(MemberText, StringsWithBracketsQuotesAndEscapesDoNotEndTheValue) {
  std::string body
    = R"({"payload":{"a":"}]\"{[","b":["x\\",{"c":"\u007d"}]},"z":true})";
  EXPECT_EQ(member_text(body, "payload").value_or("-"),
            R"({"a":"}]\"{[","b":["x\\",{"c":"\u007d"}]})");
  EXPECT_EQ(member_text(body, "z").value_or("-"), "true");
}

TEST(MemberText, TheLastOfARepeatedKeyCountsAsInBoostJson) {
  EXPECT_EQ(member_text(R"({"payload":{"a":1},"payload":{"b":2}})", "payload")
              .value_or("-"),
            R"({"b":2})");
}

TEST(MemberText, AnEscapedKeyIsMatchedDecoded) {
  EXPECT_EQ(member_text(R"({"pay\u006coad":[1, 2]})", "payload").value_or("-"),
            "[1, 2]");
}

TEST(MemberText, NotAnObjectGivesNothing) {
  EXPECT_FALSE(member_text("[1,2]", "payload"));
  EXPECT_FALSE(member_text("{}", "payload"));
  EXPECT_FALSE(member_text("", "payload"));
  EXPECT_FALSE(member_text(R"({"payload":{"a":1})", "payload"))
    << "unterminated";
}

TEST(ElementTexts, GivesEachElementAsWritten) {
  auto items = element_texts(R"([ {"a":[1,{"b":"]"}]} , 2 ,"x,y", null ])");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0], R"({"a":[1,{"b":"]"}]})");
  EXPECT_EQ(items[1], "2");
  EXPECT_EQ(items[2], R"("x,y")");
  EXPECT_EQ(items[3], "null");
  EXPECT_TRUE(element_texts("[]").empty());
  EXPECT_TRUE(element_texts(R"({"a":1})").empty());
}

TEST(RepeatedKey, FindsAKeyGivenTwiceInOneObjectAtAnyDepth) {
  EXPECT_FALSE(repeated_key(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})"))
    << "the same key in different objects is fine";
  EXPECT_EQ(repeated_key(R"({"copies":1, "x":2 ,"copies" :5})").value_or("-"),
            "copies");
  EXPECT_EQ(repeated_key(R"({"a":[1,{"k":1,"k":2}]})").value_or("-"), "k");
  EXPECT_EQ(repeated_key(R"({"k\u0031":1,"k1":2})").value_or("-"), "k1")
    << "compared decoded";
  EXPECT_FALSE(repeated_key(R"({"s":"{\"a\":1,\"a\":2}"})"))
    << "text inside a string is not an object";
  EXPECT_FALSE(repeated_key("{}"));
  EXPECT_FALSE(repeated_key("[]"));
}

} // namespace
