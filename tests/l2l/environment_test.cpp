// Runs the l2l tests with Eigen single-threaded. The matrices here are small (tens of columns),
// where OpenMP-parallel products only add synchronisation; on a busy machine with fewer free
// cores than OpenMP threads, spinning threads made these tests about 100x slower.
#include <gtest/gtest.h>

#include <Eigen/Core>

namespace {
class SingleThreadedEigen : public ::testing::Environment {
 public:
  void SetUp() override { Eigen::setNbThreads(1); }
};
[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SingleThreadedEigen);
}  // namespace
