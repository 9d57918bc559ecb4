// Integers read from user JSON: kind and range checked before any conversion.
#include "l2o/core/json_integer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace l2o;
using nlohmann::json;

TEST(JsonInteger, ReadsIntegersAndWholeFloatsInRange) {
  EXPECT_EQ(json_integer<int>(json(42), "n"), 42);
  EXPECT_EQ(json_integer<int>(json(-7), "n"), -7);
  EXPECT_EQ(json_integer<int>(json(10.0), "n"), 10);
  EXPECT_EQ(json_integer<std::uint64_t>(json(std::numeric_limits<std::uint64_t>::max()), "seed"),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(json_integer<long>(json(std::numeric_limits<long>::min()), "n"), std::numeric_limits<long>::min());
  EXPECT_EQ(json_integers<int>(json::parse("[1, 2, 3.0]"), "iters"), (std::vector<int>{1, 2, 3}));
}

TEST(JsonInteger, RefusesOutOfRangeFractionalNonFiniteAndNonNumbers) {
  for (const char* text : {"1e300", "-1e300", "1e19", "2147483648", "-2147483649", "3.5", "\"3\"", "null", "true",
                           "[1]", "{}"})
    EXPECT_THROW(json_integer<int>(json::parse(text), "n"), Error) << text;
  EXPECT_THROW(json_integer<std::uint64_t>(json(-1), "seed"), Error);
  EXPECT_THROW(json_integer<std::uint64_t>(json(-1e19), "seed"), Error);
  EXPECT_THROW(json_integer<std::uint64_t>(json(1e300), "seed"), Error);
  EXPECT_THROW(json_integer<std::int64_t>(json(std::numeric_limits<std::uint64_t>::max()), "n"), Error);
  EXPECT_THROW(json_integer<int>(json(std::numeric_limits<double>::quiet_NaN()), "n"), Error);
  EXPECT_THROW(json_integers<int>(json::parse("[1, 1e300]"), "iters"), Error);
  EXPECT_THROW(json_integers<int>(json(5), "iters"), Error);
  try {
    json_integer<int>(json(1e300), "epoch");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'epoch'"), std::string::npos) << e.what();
  }
}

TEST(InContext, PrefixesTheSourceOnce) {
  EXPECT_STREQ(in_context(Error("'n' is bad"), "ck.json").what(), "ck.json: 'n' is bad");
  EXPECT_STREQ(in_context(Error("ck.json: 'n' is bad"), "ck.json").what(), "ck.json: 'n' is bad");
}
