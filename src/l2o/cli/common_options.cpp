#include "l2o/cli/common_options.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "l2o/core/error.hpp"

#ifndef L2O_SOURCE_DIR
#define L2O_SOURCE_DIR "."
#endif

namespace l2o::cli {

namespace {
// A shell word: quoted only when needed.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                       "-_./,=:+@%") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

// "l2o <subcommand> --flag value ..." with the flags the user gave, in declaration order, so that
// results files can say how to reproduce them.
std::string reproducible_command(const CLI::App& cmd) {
  std::string name = cmd.get_name();  // with its parent commands for nested ones ("policy scale-steps")
  for (const CLI::App* p = cmd.get_parent(); p && p->get_parent(); p = p->get_parent()) name = p->get_name() + " " + name;
  std::string s = "l2o " + name;
  for (const CLI::Option* opt : cmd.get_options()) {
    if (opt->count() == 0 || opt->get_name() == "--help" || opt->get_name() == "-h") continue;
    if (opt->get_type_size() == 0) {  // a flag
      s += " " + opt->get_name();
      continue;
    }
    const auto& values = opt->results();
    if (opt->get_items_expected_max() > 1) {  // a list: one flag with comma-joined values or repeated
      if (opt->get_delimiter() == ',') {
        s += " " + opt->get_name() + " " + shell_word(fmt::format("{}", fmt::join(values, ",")));
        continue;
      }
      for (const auto& v : values) s += " " + opt->get_name() + " " + shell_word(v);
      continue;
    }
    s += " " + opt->get_name() + " " + shell_word(values.empty() ? "" : values.back());
  }
  return s;
}

DataOptions DataFlags::resolve() const {
  DataOptions o;
  o.data_dir = resolve_data_dir(data_dir);
  o.shared_dir = resolve_shared_dir(shared_dir, L2O_SOURCE_DIR);
  return o;
}

void add_data_flags(CLI::App* cmd, DataFlags& flags) {
  cmd->add_option("--data-dir", flags.data_dir, "Data directory (default: $L2O_DATA or ./data)");
  cmd->add_option("--shared-dir", flags.shared_dir,
                  "Folder with the project's shared data archives (default: $L2O_SHARED_DATA or ../shared/data)");
}

TaskSpec TaskFlags::resolve() const {
  TaskSpec s = spec;
  if (train_size == "all") {
    s.train_size = -1;
  } else {
    char* end = nullptr;
    const long long v = std::strtoll(train_size.c_str(), &end, 10);
    if (train_size.empty() || *end != '\0' || v < 1)
      throw Error(fmt::format("--train-size: expected a positive number or 'all', got '{}'", train_size));
    s.train_size = v;
  }
  return s;
}

void add_task_flags(CLI::App* cmd, TaskFlags& flags) {
  cmd->add_option("--dataset", flags.spec.dataset,
                  "Data set: mnist, fashion-mnist, cifar10, cifar100, tfd, or idx:IMAGES,LABELS, cifar10-bin:DIR, "
                  "cifar100-bin:DIR, folder:DIR")
      ->capture_default_str();
  cmd->add_option("--arch", flags.spec.arch, "Layer widths: input-hidden...-classes")->capture_default_str();
  cmd->add_option("--activation", flags.spec.activation, "Hidden activation: relu, tanh, sigmoid, softplus")
      ->capture_default_str();
  cmd->add_option("--weight-decay", flags.spec.weight_decay, "L2 penalty on weights")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--train-size", flags.train_size, "Examples in the task training set (a number or 'all')")
      ->capture_default_str();
  cmd->add_option("--projection-seed", flags.spec.projection_seed, "Seed of the random projection")
      ->capture_default_str();
  cmd->add_option("--inputs", flags.spec.inputs,
                  "projected (the paper's: a random projection to the input width, standardised) or raw (pixels "
                  "in [0, 1], unprojected; the input width must be the images' dimension, e.g. --arch 784-100-10)")
      ->check(CLI::IsMember({"projected", "raw"}))
      ->capture_default_str();
}
void add_precision_flag(CLI::App* cmd, std::string& precision) {
  cmd->add_option("--precision", precision,
                  "Arithmetic of the learned optimizers' LSTM step: float32, float64, or bf16x3 (float32 "
                  "with the gate products as three bfloat16 products on the CPU's matrix units; docs/psd.md). "
                  "The task and the hand-designed optimizers are always float64")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "float64", "bf16x3"}));
}
CLI::Option* add_quiet_flag(CLI::App* cmd, bool& quiet, const std::string& description) {
  return cmd->add_flag("--quiet", quiet, description);
}

CLI::Option* add_jobs_flag(CLI::App* cmd, int& jobs, const std::string& description) {
  return cmd->add_option("--jobs", jobs, description)->capture_default_str()->check(CLI::Range(1, 1024));
}

CLI::Option* add_threads_flag(CLI::App* cmd, int& threads, const std::string& description) {
  return cmd->add_option("--threads", threads, description)->capture_default_str()->check(CLI::Range(1, 1024));
}

CLI::Option* add_batch_flag(CLI::App* cmd, int& batch, const std::string& description) {
  return cmd->add_option("--batch", batch, description)->capture_default_str()->check(CLI::Range(1, 1000000));
}

CLI::Option* add_eval_every_flag(CLI::App* cmd, int& eval_every, const std::string& description, int max_every) {
  return cmd->add_option("--eval-every", eval_every, description)->capture_default_str()->check(CLI::Range(1, max_every));
}

CLI::Option* add_divergence_factor_flag(CLI::App* cmd, double& factor, const std::string& description) {
  return cmd->add_option("--divergence-factor", factor, description)->capture_default_str()->check(CLI::NonNegativeNumber);
}

CLI::Option* add_tuned_flag(CLI::App* cmd, std::string& tuned) {
  return cmd->add_option("--tuned", tuned,
                         "Tuned hyper-parameters file (default: $L2O_TUNED, else ./configs/tuned.json, else the "
                         "shipped configs/tuned.json)");
}

CLI::Option* add_input_policy_flag(CLI::App* cmd, std::string& policy, const std::string& description) {
  return cmd->add_option("--policy", policy, description)->required()->check(CLI::ExistingFile);
}

std::string source_revision() {
  namespace fs = std::filesystem;
  const fs::path git = fs::path(L2O_SOURCE_DIR) / ".git";
  auto read_line = [](const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
  };
  std::string head = read_line(git / "HEAD");
  if (head.rfind("ref: ", 0) != 0) return head.empty() ? "unknown" : head;
  const std::string ref = head.substr(5);
  if (std::string id = read_line(git / ref); !id.empty()) return id;
  std::ifstream packed(git / "packed-refs");
  for (std::string line; std::getline(packed, line);)
    if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) return line.substr(0, 40);
  return "unknown";
}

}  // namespace l2o::cli
