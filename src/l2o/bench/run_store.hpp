#pragma once
// The finished runs of `l2o bench` and `l2o tune`, kept on disk as each completes so that an
// interrupted command loses at most the runs in flight. One JSON file per run, named by a hash of
// its key: every setting that affects the run (task fingerprint, optimizer and its full
// hyper-parameters, policy file checksum, seed, batch, iterations, evaluation frequency, format
// version). A rerun with the same settings finds the file and skips the run; a changed setting
// gives another key, so the old file is never used for it. The stored curve is the raw one (before
// the bench's blow-up rule), so post-processing settings such as --divergence-factor reuse runs.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/bench/curve_stats.hpp"
#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/optim/train_loop.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

struct StoredRun {
  RunCurve curve;               // curve_from_result of the run, before mark_blow_up
  double test_accuracy = 0.0;   // NaN when the run diverged
};

class RunStore {
 public:
  // A disabled store: finds nothing, keeps nothing.
  RunStore() = default;
  // Keeps runs in `dir` (created if needed; l2o::Error naming `what` if it cannot be written).
  // Under MPI a collective call (every rank constructs its store).
  RunStore(std::string dir, std::string what);

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // The run with this key, if it was stored (by this or an earlier process). A file that cannot be
  // parsed or holds another key counts as absent (the run is redone and the file replaced).
  std::optional<StoredRun> find(const nlohmann::json& key) const;
  // Stores a finished run (atomically; safe from several threads for different keys).
  void keep(const nlohmann::json& key, const StoredRun& run) const;

  // How many find() calls succeeded so far (for "N runs reused").
  long reused() const { return reused_->load(); }

  // The file a key is stored in.
  std::string path_of(const nlohmann::json& key) const;

 private:
  std::string dir_, what_;
  std::shared_ptr<std::atomic<long>> reused_ = std::make_shared<std::atomic<long>>(0);
};

// The key fields that identify an optimizer: its registry name, the hyper-parameters it actually
// runs with, and for a learned one the SHA-256 of its policy file's bytes (so a retrained policy at
// the same path is not mistaken for the old one). Throws l2o::Error if the policy cannot be read.
nlohmann::json optimizer_run_key(const std::string& name, const nlohmann::json& hyperparams,
                                 const std::string& policy_file);

// The key of one run: the task (MlpTask::fingerprint), the optimizer (optimizer_run_key) and the
// options that change what a run computes (iterations, batch, seed, evaluation frequency).
nlohmann::json run_key(const std::string& task_fingerprint, const nlohmann::json& optimizer_key,
                       const RunOptions& options);

// The run with `key` from the store if it is there, else runs `spec` on the task and keeps the
// result in the store before returning it.
StoredRun run_or_reuse(const MlpTask& task, const OptimizerSpec& spec, const nlohmann::json& key,
                       const RunOptions& options, const RunStore& store);

// A run as bytes and back (core/byte_buffer.hpp), bit-exact: what the ranks of a distributed
// bench or tune exchange. decode_stored_run throws l2o::Error on malformed bytes.
std::string encode_stored_run(const StoredRun& run);
StoredRun decode_stored_run(const std::string& bytes);

// A run's curve as JSON and back (non-finite numbers, which JSON lacks, as strings).
nlohmann::json stored_run_json(const StoredRun& run);
StoredRun stored_run_from_json(const nlohmann::json& j, const std::string& source);
}  // namespace l2o
