// The MPI wrapper (core/distributed.hpp) and its byte encoding. Under ctest these run as one
// process; tests/cli/mpi_distributed.sh also runs them under `mpirun -np 3`, where every check
// holds for each rank (only rank 0's output is shown; mpirun fails if any rank fails).
#include "l2o/core/distributed.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "l2o/core/byte_buffer.hpp"

namespace l2o {
namespace {

// MPI for the whole test program when it was started by mpirun (nothing otherwise).
const dist::Session session(nullptr, nullptr);

struct Oops : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(Distributed, RankAndSize) {
  EXPECT_GE(dist::size(), 1);
  EXPECT_GE(dist::rank(), 0);
  EXPECT_LT(dist::rank(), dist::size());
  EXPECT_EQ(dist::is_root(), dist::rank() == 0);
  if (!dist::active()) {
    EXPECT_EQ(dist::size(), 1);
  }
  // tests/cli/mpi_distributed.sh says how many ranks it started.
  if (const char* n = std::getenv("L2O_TEST_EXPECT_RANKS")) {
    EXPECT_EQ(dist::size(), std::atoi(n));
  }
  dist::barrier();
}

TEST(Distributed, ShareIsRoundRobin) {
  for (std::size_t n : {0u, 1u, 2u, 7u, 30u}) {
    const auto mine = dist::share(n);
    std::size_t expected = 0;
    for (std::size_t i = 0; i < n; ++i) expected += i % static_cast<std::size_t>(dist::size()) == static_cast<std::size_t>(dist::rank());
    EXPECT_EQ(mine.size(), expected);
    for (std::size_t k = 0; k < mine.size(); ++k) {
      EXPECT_EQ(mine[k] % static_cast<std::size_t>(dist::size()), static_cast<std::size_t>(dist::rank()));
      if (k) EXPECT_LT(mine[k - 1], mine[k]);
    }
  }
}

TEST(Distributed, AllgatherBroadcastSum) {
  const std::string mine = "rank-" + std::to_string(dist::rank()) + std::string(static_cast<std::size_t>(dist::rank()), '\0');
  const auto all = dist::allgather(mine);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(dist::size()));
  for (int r = 0; r < dist::size(); ++r)
    EXPECT_EQ(all[static_cast<std::size_t>(r)], "rank-" + std::to_string(r) + std::string(static_cast<std::size_t>(r), '\0'));
  EXPECT_EQ(dist::broadcast(dist::is_root() ? std::string("from root") : std::string("other")), "from root");
  EXPECT_EQ(dist::broadcast(std::string()), "");
  EXPECT_EQ(dist::sum(dist::rank() + 1), static_cast<long>(dist::size()) * (dist::size() + 1) / 2);
}

TEST(Distributed, ExchangeGivesEveryItemInIndexOrder) {
  for (std::size_t n : {0u, 1u, 5u, 17u}) {
    int calls = 0;
    const auto got = dist::exchange(n, [&](const std::vector<std::size_t>& which, std::vector<std::string>& out) {
      ++calls;
      EXPECT_EQ(which, dist::share(n));
      for (std::size_t i : which) out.push_back("item " + std::to_string(i) + std::string(i, 'x'));
    });
    EXPECT_EQ(calls, 1);
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(got[i], "item " + std::to_string(i) + std::string(i, 'x'));
  }
}

TEST(Distributed, AFailureOnOneRankIsReportedOnEveryRank) {
  const int bad = dist::size() - 1;
  auto run = [&] {
    dist::exchange(6, [&](const std::vector<std::size_t>& which, std::vector<std::string>& out) {
      if (dist::rank() == bad) throw Oops("trajectory 5 went wrong");
      for (std::size_t i : which) out.push_back(std::to_string(i));
    });
  };
  if (dist::size() == 1) {
    EXPECT_THROW(run(), Oops);  // one process: the exception itself
    return;
  }
  try {
    run();
    ADD_FAILURE() << "no exception";
  } catch (const dist::CollectiveError& e) {
    EXPECT_EQ(e.failed_rank(), bad);
    EXPECT_EQ(std::string(e.what()), "rank " + std::to_string(bad) + ": trajectory 5 went wrong");
  }
  // ... and the ranks are still in step afterwards.
  EXPECT_EQ(dist::sum(1), dist::size());
}

TEST(ByteBuffer, RoundTripIsBitExact) {
  ByteWriter w;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  w.put<double>(-0.0);
  w.put<double>(nan);
  w.put<std::int64_t>(-42);
  w.put<int>(7);
  w.put_bool(true);
  w.put_string(std::string("a\0b", 3));
  w.put_vector(std::vector<double>{1.0 / 3.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()});
  w.put_vector(std::vector<int>{});
  Mat m(2, 3);
  m << 1, 2, 3, 4, 5, nan;
  w.put_mat(m);
  w.put_mat(Mat(0, 5));
  const std::string bytes = w.take();
  ByteReader r(bytes, "test");
  const double z = r.get<double>();
  EXPECT_EQ(z, 0.0);
  EXPECT_TRUE(std::signbit(z));
  const double n = r.get<double>();
  EXPECT_EQ(0, std::memcmp(&n, &nan, sizeof n));
  EXPECT_EQ(r.get<std::int64_t>(), -42);
  EXPECT_EQ(r.get<int>(), 7);
  EXPECT_TRUE(r.get_bool());
  EXPECT_EQ(r.get_string(), std::string("a\0b", 3));
  const auto v = r.get_vector<double>();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], 1.0 / 3.0);
  EXPECT_EQ(v[2], std::numeric_limits<double>::denorm_min());
  EXPECT_TRUE(r.get_vector<int>().empty());
  const Mat back = r.get_mat();
  ASSERT_EQ(back.rows(), 2);
  ASSERT_EQ(back.cols(), 3);
  EXPECT_EQ(0, std::memcmp(back.data(), m.data(), 6 * sizeof(double)));
  const Mat empty = r.get_mat();
  EXPECT_EQ(empty.rows(), 0);
  EXPECT_EQ(empty.cols(), 5);
  EXPECT_TRUE(r.done());
  r.expect_end();
}

TEST(ByteBuffer, MalformedInputThrows) {
  ByteWriter w;
  w.put_string("hello");
  const std::string bytes = w.take();
  {
    const std::string cut = bytes.substr(0, bytes.size() - 1);
    ByteReader r(cut, "short");
    EXPECT_THROW(r.get_string(), Error);
  }
  {
    ByteReader r(bytes, "long");
    EXPECT_THROW(r.get_vector<double>(), Error);  // 5 doubles do not fit in 5 bytes
  }
  {
    ByteWriter m;
    m.put<std::int64_t>(1000000);
    m.put<std::int64_t>(1000000);
    const std::string b = m.take();
    ByteReader r(b, "matrix");
    EXPECT_THROW(r.get_mat(), Error);
  }
  {
    const std::string more = bytes + "!";
    ByteReader r(more, "trailing");
    r.get_string();
    EXPECT_THROW(r.expect_end(), Error);
  }
  const std::string none;
  ByteReader r(none, "empty");
  EXPECT_THROW(r.get<double>(), Error);
}

}  // namespace
}  // namespace l2o
