// Holds docs/CONFIG.md to the topology reader, so that the reference cannot
// drift from the parser:
// - every key the reader accepts in a table (known_topology_keys(), the
//   reader's own only_keys lists, gathered while it reads the document's
//   complete example) is documented under that table's heading, and every
//   documented key is one the reader accepts there;
// - every documented table is one the reader visits in the example;
// - the complete example passes the check (`tetherd --check-config` and
//   `tetherctl check-config` call load_topology_file, as here), with no
//   warning;
// - the errors quoted under "What a wrong file gives" are the parser's own.
//
// The document's shape (what this test reads): a heading names its table(s)
// in brackets ("## [timers]", "### [[clusters.balancers]]", several on one
// heading), or is "## Top level"; the rows of its tables start with
// "| `key` |". A documented table also documents its own name as a key of
// its parent ([labels.regions] documents `regions` in [labels]).
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config/known_keys.hpp"
#include "config/topology.hpp"

#ifndef TETHER_SOURCE_DIR
#error "TETHER_SOURCE_DIR must name the source tree"
#endif

namespace tether::config {
namespace {

using tables = std::map<std::string, std::set<std::string>>;

std::string read_doc() {
  std::ifstream in{std::string{TETHER_SOURCE_DIR} + "/docs/CONFIG.md"};
  EXPECT_TRUE(in) << "cannot read docs/CONFIG.md";
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// The tables the document describes and the keys it lists for each.
tables documented(const std::string& doc) {
  static const std::regex table_name{R"(\[\[?([a-z_.]+)\]\]?)"};
  static const std::regex row{R"(^\| `([a-z_]+)` \|)"};
  tables out;
  std::vector<std::string> current;
  std::istringstream in{doc};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind('#', 0) == 0) {
      current.clear();
      if (line.find("Top level") != std::string::npos)
        current.push_back("");
      for (std::sregex_iterator i{line.begin(), line.end(), table_name}, end;
           i != end; ++i)
        current.push_back((*i)[1].str());
      for (const auto& path : current) {
        out[path];
        if (path.empty())
          continue;
        auto dot = path.rfind('.');
        auto parent = dot == std::string::npos ? "" : path.substr(0, dot);
        out[parent].insert(path.substr(dot + 1));
      }
      continue;
    }
    std::smatch m;
    if (std::regex_search(line, m, row))
      for (const auto& path : current)
        out[path].insert(m[1].str());
  }
  return out;
}

/// The text of the first block fenced as "```<info>" after the line that
/// starts with `heading`; empty if there is none.
std::string block(const std::string& doc, const std::string& heading,
                  const std::string& info) {
  auto at = doc.find("\n" + heading);
  if (at == std::string::npos)
    return {};
  auto open = doc.find("\n```" + info + "\n", at);
  if (open == std::string::npos)
    return {};
  auto first = open + 5 + info.size();
  auto close = doc.find("\n```\n", first - 1);
  if (close == std::string::npos)
    return {};
  return doc.substr(first, close + 1 - first);
}

std::string example(const std::string& doc) {
  return block(doc, "## Complete example", "toml");
}

std::string shown(const std::string& path) {
  return path.empty() ? "the top level" : "[" + path + "]";
}

/// "key (in [table])" for every key the reader knows that the document does
/// not list, and for every table it visits that the document does not have.
std::vector<std::string> undocumented(const tables& known, const tables& docs) {
  std::vector<std::string> out;
  for (const auto& [path, keys] : known) {
    auto d = docs.find(path);
    if (d == docs.end()) {
      out.push_back("table " + shown(path) + " has no heading");
      continue;
    }
    for (const auto& key : keys)
      if (d->second.count(key) == 0)
        out.push_back(key + " (in " + shown(path) + ")");
  }
  return out;
}

/// Keys and tables the document lists that the reader does not accept.
std::vector<std::string> stale(const tables& known, const tables& docs) {
  std::vector<std::string> out;
  for (const auto& [path, keys] : docs) {
    auto k = known.find(path);
    if (k == known.end()) {
      out.push_back("table " + shown(path)
                    + " (not read by the parser, or missing from the "
                      "complete example)");
      continue;
    }
    for (const auto& key : keys)
      if (k->second.count(key) == 0)
        out.push_back(key + " (in " + shown(path) + ")");
  }
  return out;
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += "\n  " + x;
  return out;
}

TEST(ConfigDocs, TheDocumentHasItsParts) {
  auto doc = read_doc();
  EXPECT_FALSE(example(doc).empty()) << "no ```toml block after "
                                        "\"## Complete example\"";
  EXPECT_FALSE(block(doc, "## What a wrong file gives", "toml bad").empty());
  EXPECT_FALSE(block(doc, "## What a wrong file gives", "text bad").empty());
  EXPECT_GT(documented(doc).size(), 20u);
}

TEST(ConfigDocs, EveryKeyTheReaderKnowsIsDocumented) {
  auto doc = read_doc();
  auto known = known_topology_keys(example(doc));
  ASSERT_FALSE(known.empty()) << "the complete example is not TOML";
  auto missing = undocumented(known, documented(doc));
  EXPECT_TRUE(missing.empty())
    << "docs/CONFIG.md does not describe these keys the reader accepts:"
    << joined(missing);
}

TEST(ConfigDocs, EveryDocumentedKeyIsOneTheReaderKnows) {
  auto doc = read_doc();
  auto known = known_topology_keys(example(doc));
  ASSERT_FALSE(known.empty()) << "the complete example is not TOML";
  auto extra = stale(known, documented(doc));
  EXPECT_TRUE(extra.empty())
    << "docs/CONFIG.md describes what the reader does not accept:"
    << joined(extra);
}

TEST(ConfigDocs, TheCompleteExamplePassesTheCheck) {
  auto text = example(read_doc());
  auto path = std::filesystem::temp_directory_path()
            / ("config-docs-example-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out{path};
    out << text;
  }
  auto r = load_topology_file(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(r.value) << r.errors.to_string();
  EXPECT_TRUE(r.warnings.list.empty()) << r.warnings.to_string();
  EXPECT_FALSE(r.value->all_in_one);
  EXPECT_EQ(r.value->clusters.size(), 2u);
}

TEST(ConfigDocs, TheQuotedErrorsAreTheParsersWords) {
  auto doc = read_doc();
  auto bad = block(doc, "## What a wrong file gives", "toml bad");
  auto said = block(doc, "## What a wrong file gives", "text bad");
  auto r = parse_topology(bad, "bad.toml");
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.errors.to_string(), said);
}

// The checks above, on a small document: they name what is missing and what
// is stale, with its table.
TEST(ConfigDocs, TheCheckNamesAnUndocumentedAndAStaleKey) {
  const std::string doc = "## Top level\n"
                          "| `insecure` | flag |\n"
                          "## [history]\n"
                          "| `retention` | duration |\n"
                          "| `max_per_terminal` | integer |\n"
                          "| `keep_forever` | flag |\n"
                          "## [gone]\n";
  const std::string text = "[history]\nretention = \"1h\"\n";
  auto known = known_topology_keys(text);
  auto docs = documented(doc);
  auto missing = undocumented(known, docs);
  EXPECT_NE(
    std::find(missing.begin(), missing.end(), "sweep_per_tick (in [history])"),
    missing.end())
    << joined(missing);
  EXPECT_NE(
    std::find(missing.begin(), missing.end(), "clusters (in the top level)"),
    missing.end())
    << joined(missing);
  auto extra = stale(known, docs);
  EXPECT_NE(
    std::find(extra.begin(), extra.end(), "keep_forever (in [history])"),
    extra.end())
    << joined(extra);
  EXPECT_NE(std::find(extra.begin(), extra.end(),
                      "table [gone] (not read by the parser, or missing from "
                      "the complete example)"),
            extra.end())
    << joined(extra);
}

TEST(ConfigDocs, KnownKeysAreGatheredPerTableWithoutIndices) {
  auto known = known_topology_keys(std::string{default_topology_toml()});
  ASSERT_TRUE(known.count(""));
  EXPECT_TRUE(known.at("").count("clusters"));
  ASSERT_TRUE(known.count("clusters.balancers"));
  EXPECT_TRUE(known.at("clusters.balancers").count("listen"));
  EXPECT_TRUE(known.at("timers").count("job_retention"));
  // [autoscale] is not in the default: not visited.
  EXPECT_FALSE(known.count("autoscale"));
  // Not TOML: nothing.
  EXPECT_TRUE(known_topology_keys("[timers").empty());
}

} // namespace
} // namespace tether::config
