#pragma once
// `l2o meta-train --method psd`: the Convolutional-GPS meta-trainer of Predicted Step Descent
// (src/l2o/gps/psd_gps_trainer.hpp, docs/meta-training.md). Its flags are registered by
// add_psd_flags; cmd_meta_train.cpp dispatches to run_psd with the flags every method shares.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "l2o/data/dataset.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/task/task_spec.hpp"

namespace l2o::cli {

struct PsdFlags {
  int iterations = -1;         // GPS iterations (-1: the config's)
  int samples = -1;            // trajectories per iteration (-1: the config's)
  int coordinates = -1;        // recorded coordinates per group and trajectory (-1: the config's)
  long cost_examples = -1;     // examples of the true objective (-1: the config's)
  int workers = 0;             // OpenMP threads (0: OpenMP's default)
  std::string algorithm;       // badmm | mdgps (empty: the config's gps.algorithm)
  std::string config;          // JSON file with settings (PsdMetaTrainConfig)
  std::string distribution;    // JSON file with the task distribution (the config's "distribution")
  std::string tuned;           // tuned hyper-parameters for the momentum initialisation (init.tuned_path)
  std::string write_config;    // write the resolved settings here and exit
  std::vector<CLI::Option*> registered;
};

// What the shared flags of `meta-train` resolve to.
struct MetaTrainShared {
  TaskSpec spec;
  DataOptions data;
  int batch = 64;
  int horizon = 400;
  std::uint64_t seed = 1;
  std::string out, checkpoint, resume;
  bool quiet = false;
  std::string command;   // reproducible command line (provenance)
  std::string revision;  // source revision (provenance)
};

// The provenance every policy written by `meta-train` starts from: command, data set, seed, date
// and source revision of the shared flags (the method adds its own `extra`).
Provenance base_provenance(const MetaTrainShared& shared);

// Registers `option` in the help group `group` and in `registered` (to reject it under another
// --method); returns it for further settings.
CLI::Option* method_flag(std::vector<CLI::Option*>& registered, const std::string& group, CLI::Option* option);

void add_psd_flags(CLI::App* cmd, PsdFlags& flags);
void run_psd(const MetaTrainShared& shared, const PsdFlags& flags);

}  // namespace l2o::cli
