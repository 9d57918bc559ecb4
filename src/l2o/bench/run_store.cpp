#include "l2o/bench/run_store.hpp"
#include "l2o/core/json_integer.hpp"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/byte_buffer.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/kill_point.hpp"
#include "l2o/core/sha256.hpp"

namespace l2o {

namespace {
// Bumped whenever the stored fields or what a run computes change meaning, so old files are
// ignored rather than misread. Not for a new optional field: "seconds" came later, and files
// without it still describe their runs exactly (their seconds are then unknown).
constexpr const char* kFormat = "l2o-run 1";

nlohmann::json number_json(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

double number_from(const nlohmann::json& j, const std::string& source) {
  if (j.is_number()) return j.get<double>();
  if (j == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (j == "inf") return std::numeric_limits<double>::infinity();
  if (j == "-inf") return -std::numeric_limits<double>::infinity();
  throw Error(fmt::format("{}: expected a number, got {}", source, j.dump()));
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("--policy: cannot read policy file '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return sha256_hex(ss.str());
}
}  // namespace

RunStore::RunStore(std::string dir, std::string what) : dir_(std::move(dir)), what_(std::move(what)) {
  check_output_dir(dir_, what_, kMinFreeOutputBytes);
  // The temporary files of writes that a kill interrupted: never complete runs, so never needed.
  // Under MPI rank 0 removes them before any rank starts a run (a later rank must not remove an
  // earlier one's write in flight).
  std::error_code ec;
  if (dist::is_root())
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec))
      if (entry.path().filename().string().find(".json.tmp") != std::string::npos)
        std::filesystem::remove(entry.path(), ec);
  dist::barrier();
}

std::string RunStore::path_of(const nlohmann::json& key) const {
  // Keys are objects, and nlohmann::json orders object members, so dump() is canonical.
  return (std::filesystem::path(dir_) / (sha256_hex(key.dump()).substr(0, 32) + ".json")).string();
}

std::optional<StoredRun> RunStore::find(const nlohmann::json& key) const {
  if (!enabled()) return std::nullopt;
  const std::string path = path_of(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    const nlohmann::json doc = nlohmann::json::parse(ss.str());
    if (!doc.is_object() || doc.value("format", "") != kFormat || doc.value("key", nlohmann::json()) != key)
      return std::nullopt;
    StoredRun run = stored_run_from_json(doc.at("run"), path);
    ++*reused_;
    return run;
  } catch (const std::exception&) {
    return std::nullopt;  // written by something else, or damaged outside l2o: redo the run
  }
}

void RunStore::keep(const nlohmann::json& key, const StoredRun& run) const {
  if (!enabled()) return;
  const nlohmann::json doc{{"format", kFormat}, {"key", key}, {"run", stored_run_json(run)}};
  write_file_atomically(path_of(key), doc.dump() + "\n", what_);
  kill_point("run-kept");
}

nlohmann::json optimizer_run_key(const std::string& name, const nlohmann::json& hyperparams,
                                 const std::string& policy_file) {
  nlohmann::json k{{"optimizer", name}, {"hyper", hyperparams}};
  if (!policy_file.empty()) k["policy_sha256"] = file_sha256(policy_file);
  return k;
}

nlohmann::json run_key(const std::string& task_fingerprint, const nlohmann::json& optimizer_key,
                       const RunOptions& options) {
  return {{"task", task_fingerprint}, {"optimizer", optimizer_key}, {"iters", options.iters},
          {"batch", options.batch},   {"seed", options.seed},       {"eval_every", options.eval_every}};
}

StoredRun run_or_reuse(const MlpTask& task, const OptimizerSpec& spec, const nlohmann::json& key,
                       const RunOptions& options, const RunStore& store) {
  if (auto found = store.find(key)) return *found;
  OptimizerPtr opt = make_optimizer(spec);
  const RunResult r = run_optimizer(task, *opt, options);
  StoredRun run{curve_from_result(r), r.test_accuracy};
  store.keep(key, run);
  return run;
}

nlohmann::json stored_run_json(const StoredRun& run) {
  nlohmann::json objective = nlohmann::json::array();
  for (double v : run.curve.objective) objective.push_back(number_json(v));
  nlohmann::json j{{"iters", run.curve.iters},
                   {"objective", objective},
                   {"diverged", run.curve.diverged},
                   {"diverged_iter", run.curve.diverged_iter},
                   {"divergence", run.curve.divergence},
                   {"test_accuracy", number_json(run.test_accuracy)}};
  if (run.curve.has_seconds()) {
    nlohmann::json seconds = nlohmann::json::array();
    for (double v : run.curve.seconds) seconds.push_back(number_json(v));
    j["seconds"] = seconds;
  }
  return j;
}

StoredRun stored_run_from_json(const nlohmann::json& j, const std::string& source) {
  StoredRun run;
  run.curve.iters = json_integers<int>(j.at("iters"), "iters");
  for (const auto& v : j.at("objective")) run.curve.objective.push_back(number_from(v, source));
  if (run.curve.iters.size() != run.curve.objective.size())
    throw Error(fmt::format("{}: iters and objective differ in length", source));
  // Absent in runs kept before l2o recorded seconds: they stay unknown rather than made up.
  if (j.contains("seconds")) {
    for (const auto& v : j.at("seconds")) run.curve.seconds.push_back(number_from(v, source));
    if (run.curve.seconds.size() != run.curve.iters.size())
      throw Error(fmt::format("{}: iters and seconds differ in length", source));
  }
  run.curve.diverged = j.at("diverged").get<bool>();
  run.curve.diverged_iter = json_integer<int>(j.at("diverged_iter"), "diverged_iter");
  run.curve.divergence = j.at("divergence").get<std::string>();
  run.test_accuracy = number_from(j.at("test_accuracy"), source);
  return run;
}
std::string encode_stored_run(const StoredRun& run) {
  ByteWriter w;
  w.put_vector(run.curve.iters);
  w.put_vector(run.curve.objective);
  w.put_vector(run.curve.seconds);
  w.put_bool(run.curve.diverged);
  w.put<std::int32_t>(run.curve.diverged_iter);
  w.put_string(run.curve.divergence);
  w.put<double>(run.test_accuracy);
  return w.take();
}

StoredRun decode_stored_run(const std::string& bytes) {
  ByteReader r(bytes, "stored run");
  StoredRun run;
  run.curve.iters = r.get_vector<int>();
  run.curve.objective = r.get_vector<double>();
  run.curve.seconds = r.get_vector<double>();
  run.curve.diverged = r.get_bool();
  run.curve.diverged_iter = r.get<std::int32_t>();
  run.curve.divergence = r.get_string();
  run.test_accuracy = r.get<double>();
  r.expect_end();
  return run;
}
}  // namespace l2o
