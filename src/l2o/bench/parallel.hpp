#pragma once
// Runs independent jobs (one optimizer run each) on several threads. Results must be written by
// index, so the outcome does not depend on the number of threads or their scheduling.
#include <cstddef>
#include <functional>

namespace l2o {

// The number of hardware threads (at least 1): the default of --jobs.
int default_jobs();

// Calls fn(i) for every i in [0, n) on min(jobs, n) threads and returns when all are done;
// `on_done(count)` (optional) is called under a lock after each job with the number finished so far.
// Eigen's own multi-threading is switched off while the jobs run (parallelism is over runs), so
// that threads do not oversubscribe the cores. If a job throws, no new jobs start and the first exception is
// rethrown after the running ones finish.
void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t)>& on_done = {});
}  // namespace l2o
