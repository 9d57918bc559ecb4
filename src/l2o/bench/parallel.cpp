#include "l2o/bench/parallel.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace l2o {

int default_jobs() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t)>& on_done) {
  if (n == 0) return;
  const std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, jobs)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mutex;
  std::size_t done = 0;

  auto worker = [&] {
    for (;;) {
      if (failed.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        failed.store(true);
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      if (on_done) on_done(done);
    }
  };

  // One job per thread and one thread per job: Eigen's OpenMP threads inside each job would only
  // compete for the cores (on a busy machine, spinning OpenMP threads made a run 30x slower).
  const int eigen_threads = Eigen::nbThreads();
  Eigen::setNbThreads(1);
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  Eigen::setNbThreads(eigen_threads);
  if (error) std::rethrow_exception(error);
}
}  // namespace l2o
