// The declarative field tables: reading, writing, ranges, types and the messages they give.
#include "l2o/core/field_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace l2o;

namespace {
enum class Mode { Fast, Slow };
struct Inner {
  int count = 3;
};
struct Settings {
  double rate = 0.5;
  long size = 10;
  bool on = true;
  std::string name = "x";
  std::vector<double> grid{0.1, 0.2};
  Mode mode = Mode::Fast;
  Inner inner;
  std::uint64_t seed = 1;
};
const FieldTable<Inner>& inner_fields() {
  static const FieldTable<Inner> t{integer<Inner>("count", &Inner::count, at_least(1), "how many")};
  return t;
}
const FieldTable<Settings>& fields() {
  using S = Settings;
  static const FieldTable<S> t{
      number<S>("rate", &S::rate, left_open(0, 1), "a rate"),
      integer<S>("size", &S::size, nonnegative(), "a size"),
      boolean<S>("on", &S::on, "a switch"),
      text<S>("name", &S::name, "a name"),
      number_list<S>("grid", &S::grid, positive(), "a grid"),
      choice<S>("mode", &S::mode, {{"fast", Mode::Fast}, {"slow", Mode::Slow}}, "a mode"),
      section<S>("inner", &S::inner, inner_fields(), "a section"),
      integer<S>("seed", &S::seed, nonnegative(), "a 64-bit seed"),
  };
  return t;
}
const FieldContext ctx{"test config", "field", ""};

std::string error_of(const std::string& text) {
  Settings s;
  try {
    read_fields(fields(), nlohmann::json::parse(text), s, ctx);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(FieldTable, ReadsWritesAndKeepsDefaults) {
  Settings s;
  read_fields(fields(), nlohmann::json::parse(R"({"rate": 1, "size": 7.0, "mode": "slow", "inner": {"count": 9}})"), s,
              ctx);
  EXPECT_EQ(s.rate, 1.0);
  EXPECT_EQ(s.size, 7);
  EXPECT_EQ(s.mode, Mode::Slow);
  EXPECT_EQ(s.inner.count, 9);
  EXPECT_EQ(s.name, "x");  // absent: the default
  read_fields(fields(), nlohmann::json::parse(R"({"seed": 18446744073709551615})"), s, ctx);
  EXPECT_EQ(s.seed, 18446744073709551615ULL);  // exact, beyond what a double holds
  const nlohmann::json j = write_fields(fields(), s);
  Settings back;
  read_fields(fields(), j, back, ctx);
  EXPECT_EQ(write_fields(fields(), back), j);
  EXPECT_EQ(j["mode"], "slow");
  EXPECT_EQ(j["inner"]["count"], 9);
}

TEST(FieldTable, RejectsWithTheFieldsName) {
  EXPECT_EQ(error_of(R"({"rate": 0})"), "test config: field rate must be in (0, 1], got 0");
  Settings s;  // a JSON value built in code can hold infinity (a parsed file cannot: nlohmann refuses 1e999)
  EXPECT_THROW(read_fields(fields(), nlohmann::json{{"rate", std::numeric_limits<double>::infinity()}}, s, ctx), Error);
  EXPECT_NE(error_of(R"({"rate": "fast"})").find("rate must be a number"), std::string::npos);
  EXPECT_NE(error_of(R"({"size": 2.5})").find("size must be a whole number"), std::string::npos);
  EXPECT_NE(error_of(R"({"size": -1})").find("size must be >= 0"), std::string::npos);
  EXPECT_NE(error_of(R"({"size": 1e300})").find("size is out of range"), std::string::npos);
  EXPECT_NE(error_of(R"({"inner": {"count": 4294967296}})").find("inner.count is out of range"), std::string::npos);
  EXPECT_NE(error_of(R"({"seed": -1})").find("seed must be >= 0"), std::string::npos);
  EXPECT_NE(error_of(R"({"on": 1})").find("on must be true or false"), std::string::npos);
  EXPECT_NE(error_of(R"({"grid": [1, -1]})").find("grid (each value) must be > 0"), std::string::npos);
  EXPECT_NE(error_of(R"({"mode": "medium"})").find("mode must be one of fast, slow"), std::string::npos);
  EXPECT_NE(error_of(R"({"inner": {"count": 0}})").find("field inner.count must be >= 1"), std::string::npos);
  EXPECT_NE(error_of(R"({"inner": {"cuont": 2}})").find("unknown field 'inner.cuont' (known: count)"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"rat": 0.5})").find("unknown field 'rat'"), std::string::npos);
  EXPECT_NE(error_of(R"([1])").find("must be a JSON object"), std::string::npos);
}

TEST(FieldTable, ChecksValuesSetInCode) {
  Settings s;
  EXPECT_NO_THROW(check_fields(fields(), s, ctx));
  s.rate = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(check_fields(fields(), s, ctx), Error);
  s.rate = 0.5;
  s.inner.count = 0;
  EXPECT_THROW(check_fields(fields(), s, ctx), Error);
}

TEST(FieldTable, DocumentsEveryField) {
  const std::string md = fields_markdown(fields(), Settings{});
  EXPECT_NE(md.find("| `rate` | number | in (0, 1] | `0.5` | a rate |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `inner.count` | integer | >= 1 | `3` | how many |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `mode` | one of fast, slow |  | `\"fast\"` | a mode |"), std::string::npos) << md;
}
