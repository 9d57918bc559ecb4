// Unit tests run Eigen single-threaded: the machines that run them are shared, and Eigen's OpenMP
// products on small matrices slow down by orders of magnitude when the cores are oversubscribed.
// Results do not depend on the thread count (each output element is summed in the same order).
#include <gtest/gtest.h>

#include <Eigen/Core>

namespace {
class SingleThreadEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { Eigen::setNbThreads(1); }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SingleThreadEnvironment);
}  // namespace
