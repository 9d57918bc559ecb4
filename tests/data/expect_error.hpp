#pragma once
// EXPECT_L2O_ERROR(statement, "part", ...): the statement throws l2o::Error whose one-line message
// contains every given part (file names, what is wrong).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "l2o/core/error.hpp"

namespace l2o::test {
inline ::testing::AssertionResult message_has(const std::string& msg, std::initializer_list<std::string> parts) {
  if (msg.find('\n') != std::string::npos) return ::testing::AssertionFailure() << "multi-line message: " << msg;
  for (const auto& p : parts)
    if (msg.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
  return ::testing::AssertionSuccess();
}
}  // namespace l2o::test

#define EXPECT_L2O_ERROR(statement, ...)                                               \
  do {                                                                                 \
    try {                                                                              \
      statement;                                                                       \
      ADD_FAILURE() << "expected l2o::Error from " #statement;                         \
    } catch (const ::l2o::Error& e) {                                                  \
      EXPECT_TRUE(::l2o::test::message_has(e.what(), {__VA_ARGS__})) << #statement;   \
    }                                                                                  \
  } while (0)
