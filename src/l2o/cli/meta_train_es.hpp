#pragma once
// `l2o meta-train --method psd-es`: fine-tunes a PSD policy on its own meta-loss by evolution
// strategies (src/l2o/es/es_trainer.hpp; docs/meta-training.md, "Fine-tuning π on its own
// meta-loss: ES"). Its flags are registered by add_es_flags; cmd_meta_train.cpp dispatches to
// run_es with the flags every method shares.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "l2o/cli/meta_train_psd.hpp"

namespace l2o::cli {

struct EsFlags {
  std::string init_policy;  // the PSD policy file ES starts from (required)
  std::string config;       // JSON file with ES settings (es::EsConfig)
  int updates = -1;         // ES updates (-1: the config's)
  int pairs = -1;           // antithetic pairs per update (-1: the config's)
  std::vector<std::string> members;  // "ARCH/BATCH" members besides the command's task (replace the config's)
  int workers = 0;          // OpenMP threads (0: OpenMP's default)
  std::string write_config;  // write the resolved settings here and exit
  std::vector<CLI::Option*> registered;
};

void add_es_flags(CLI::App* cmd, EsFlags& flags);
void run_es(const MetaTrainShared& shared, const EsFlags& flags);

}  // namespace l2o::cli
