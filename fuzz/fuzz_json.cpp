// libFuzzer target for every JSON document a user can hand l2o: PSD and L2LBGDBGD policy files,
// the PSD meta-training config, the checkpoints of both meta-training methods and the tuned
// hyper-parameter file. The first input byte picks the reader; the rest is the document.
//
// Contract checked: any input gives the object or an l2o::Error; never a crash, a hang, another
// exception type, or a non-finite number in an accepted policy, config or hyper-parameter set.
// Gates that are plain equality tests are opened for the fuzzer so it reaches the parsing behind
// them: policy files get their checksum recomputed, and checkpoints are restored into a trainer
// built for exactly the task, settings and seed they name (the seeds are written by this target).
//
// Seeds: scripts/fuzz.sh prefixes the shipped files with their selector byte, and runs this
// target once with L2O_FUZZ_WRITE_SEEDS=DIR, which trains both methods for one step on the
// built-in tiny task and writes their checkpoints (selectors 3 and 4) and a small PSD policy
// (selector 0) into DIR.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "l2o/bench/optimizer_factory.hpp"
#include "l2o/core/error.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/psd_gps_trainer.hpp"
#include "l2o/l2l/l2l_policy.hpp"
#include "l2o/l2l/meta_trainer.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/psd/policy.hpp"
#include "l2o/task/mlp_task.hpp"

namespace {
using nlohmann::json;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Every number anywhere in an accepted document must be finite.
void check_finite(const json& j) {
  if (j.is_number_float()) check(std::isfinite(j.get<double>()));
  if (j.is_structured())
    for (const auto& v : j) check_finite(v);
}

// A fixed 5-dimensional, 3-class task (30 training and 9 test examples).
const l2o::MlpTask& tiny_task() {
  static const std::unique_ptr<l2o::MlpTask> task = [] {
    l2o::ProjectedDataset d;
    d.name = "fuzz";
    d.num_classes = 3;
    d.width = 5;
    auto fill = [](l2o::ProjectedSplit& s, int n) {
      s.x.resize(5, n);
      for (int i = 0; i < n; ++i) {
        for (int r = 0; r < 5; ++r) s.x(r, i) = std::sin(1.7 * i + 0.9 * r) + (i % 3) * (r == i % 5 ? 1.0 : 0.0);
        s.labels.push_back(i % 3);
      }
    };
    fill(d.train, 30);
    fill(d.test, 9);
    l2o::MlpConfig c;
    c.arch = {5, 6, 3};
    return std::make_unique<l2o::MlpTask>(d, c);
  }();
  return *task;
}

// The tiny PSD setting of tests/cli/meta_train_psd.sh, which the seed checkpoint is written with.
l2o::gps::PsdMetaTrainConfig tiny_psd_config() {
  const json j = json::parse(R"({"state_upper": 1, "eval_trajectories": 1, "batch": 8, "cost_examples": 0,
    "gps": {"dynamics_prior": {"max_clusters": 2, "max_iterations": 5},
            "policy_prior": {"max_clusters": 2, "max_iterations": 5},
            "badmm": {"inner_iterations": 2},
            "sampling": {"initial_action_variance": 1e-4, "iterations": 2, "horizon": 6, "trajectories": 3,
                         "coordinates_per_group": 4}},
    "regression": {"epochs": 2, "init_epochs": 2, "truncation": 3},
    "init": {"lr": 0.1, "momentum": 0.9, "tuned_path": ""},
    "arch": {"inputs": ["O1", "O2", "O3"], "output": "step", "output_scale": 1.0, "sharing": "per_kind",
             "networks": ["hidden_weight", "output_weight", "hidden_bias", "output_bias"],
             "lstm": {"cell": "lstm", "forget_bias": 1.0, "gate_order": "ifgo", "init_range": 0.0,
                      "input_size": 3, "layers": [4], "output_size": 1}}})");
  return l2o::gps::PsdMetaTrainConfig::from_json(j);
}
constexpr std::uint64_t kPsdSeed = 5;

l2o::L2LTrainOptions tiny_l2l_options() {
  l2o::L2LTrainOptions o;
  o.horizon = 6;
  o.unroll = 3;
  o.batch = 8;
  o.epochs = 2;
  o.val_every = 1;
  o.val_seeds = 1;
  o.val_eval_every = 2;
  return o;
}
l2o::L2LSettings tiny_l2l_settings() {
  l2o::L2LSettings s;
  s.layers = {4};
  return s;
}

void fuzz_policy(json doc, bool psd) {
  doc["checksum"] = l2o::policy_checksum(doc);
  const l2o::PolicyFile file = l2o::parse_policy(doc.dump(), "fuzz");
  if (psd) {
    const l2o::PsdPolicy p = l2o::PsdPolicy::from_file(file);
    check(p.params().allFinite());
    check_finite(p.config().arch.to_json());
  } else {
    const l2o::L2LPolicy p = l2o::L2LPolicy::from_policy_file(file);
    check(p.params().allFinite());
  }
}

void fuzz_psd_checkpoint(const json& doc) {
  l2o::gps::PsdGpsTrainer trainer(tiny_task(), tiny_psd_config(), kPsdSeed);
  trainer.restore(doc, "fuzz");
  check(trainer.policy().params().allFinite());
  check(trainer.best_policy().params().allFinite());
  check(trainer.iterations_done() >= 0);
}

void fuzz_l2l_checkpoint(const json& doc) {
  l2o::L2LMetaTrainer trainer(tiny_task(), tiny_l2l_options(), tiny_l2l_settings());
  trainer.restore(doc, "fuzz");
  check(trainer.policy().params().allFinite());
  check(trainer.best_policy().params().allFinite());
  check(trainer.epochs_done() >= 0);
}

void fuzz_tuned(const std::string& text) {
  const l2o::TunedTable t = l2o::TunedTable::parse(text, "fuzz");
  for (const auto& name : l2o::hand_designed_names()) {
    if (!t.has(name)) continue;
    const l2o::OptimizerPtr opt = l2o::make_optimizer({name, t.hyper(name), ""});
    check_finite(opt->hyperparams());
  }
}

void write_seed(const std::string& dir, const std::string& name, char selector, const json& doc) {
  std::ofstream(dir + "/" + name, std::ios::binary) << selector << doc.dump();
}

// L2O_FUZZ_WRITE_SEEDS=DIR: one step of each method on the tiny task, checkpoints into DIR.
void write_checkpoint_seeds(const std::string& dir) {
  l2o::gps::PsdGpsTrainer psd(tiny_task(), tiny_psd_config(), kPsdSeed);
  psd.initialise();
  write_seed(dir, "psd-checkpoint-init", 3, psd.checkpoint());
  psd.run_iteration();
  write_seed(dir, "psd-checkpoint-1", 3, psd.checkpoint());
  l2o::Provenance prov;
  prov.command = "fuzz seed";
  write_seed(dir, "psd-policy", 0, nlohmann::json::parse(l2o::serialize_policy(psd.best_policy().to_file(prov))));
  l2o::L2LMetaTrainer l2l(tiny_task(), tiny_l2l_options(), tiny_l2l_settings());
  l2l.run_epoch();
  write_seed(dir, "l2l-checkpoint-1", 4, l2l.checkpoint());
  // The seeds must pass every gate, or the fuzzer would only ever see the first refusal.
  fuzz_psd_checkpoint(psd.checkpoint());
  fuzz_l2l_checkpoint(l2l.checkpoint());
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("L2O_FUZZ_WRITE_SEEDS")) {
    write_checkpoint_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Malformed JSON is nlohmann's to reject (every l2o reader turns that into an l2o::Error naming
  // the file); the readers under test start from a parsed document.
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  try {
    switch (data[0] % 6) {
      case 0:
        if (doc.is_object()) fuzz_policy(doc, true);
        break;
      case 1:
        if (doc.is_object()) fuzz_policy(doc, false);
        break;
      case 2: {
        if (doc.is_discarded()) break;
        const l2o::gps::PsdMetaTrainConfig c = l2o::gps::PsdMetaTrainConfig::from_json(doc);
        check_finite(c.to_json());
        break;
      }
      case 3:
        if (!doc.is_discarded()) fuzz_psd_checkpoint(doc);
        break;
      case 4:
        if (!doc.is_discarded()) fuzz_l2l_checkpoint(doc);
        break;
      case 5:
        fuzz_tuned(text);  // TunedTable::parse parses the text itself
        break;
    }
  } catch (const l2o::Error&) {
    // The contract: bad input is an l2o::Error. Anything else propagates and libFuzzer reports it.
  }
  return 0;
}
