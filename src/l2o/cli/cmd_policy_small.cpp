// `l2o policy new-small`: a psd-small policy whose read-out is zero, so that it steps exactly like
// Adam at --lr (docs/psd-small.md): where its meta-training starts, and the policy a new
// architecture is compared from.
#include <cmath>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/error.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o::cli {
namespace {

struct NewSmallFlags {
  std::string out;
  double lr = 1e-2;
  std::vector<Index> hidden{8, 8};
  std::string activation = "relu";
  std::uint64_t seed = 0;
};

void run_new_small(const NewSmallFlags& f, const std::string& command) {
  // CLI11's PositiveNumber lets NaN through (every comparison with it is false).
  if (!(std::isfinite(f.lr) && f.lr > 0)) throw Error(fmt::format("--lr: must be a finite number > 0, got {}", f.lr));
  PsdSmallArchitecture arch;
  arch.hidden = f.hidden;
  arch.activation = parse_small_activation(f.activation, "--activation");
  arch.validate("--hidden");
  const PsdSmallPolicy policy = PsdSmallPolicy::adam_equivalent(arch, f.lr, f.seed);
  Provenance prov;
  prov.command = command;
  prov.seed = f.seed;
  prov.date = utc_timestamp();
  prov.revision = source_revision();
  prov.extra = {{"method", "Adam-equivalent start (zero read-out)"}, {"lr", f.lr}};
  policy.save(f.out, prov);
  fmt::print("wrote {} (psd-small, hidden {}, {}: steps exactly like Adam at lr {})\n", f.out, fmt::join(f.hidden, "-"),
             f.activation, f.lr);
}

}  // namespace

void add_policy_small_commands(CLI::App* policy) {
  auto f = std::make_shared<NewSmallFlags>();
  CLI::App* c = policy->add_subcommand(
      "new-small", "Write a psd-small policy that steps exactly like Adam at --lr, the start of its meta-training "
                   "(docs/psd-small.md)");
  c->add_option("--out", f->out, "Where to write the policy")->required();
  c->add_option("--lr", f->lr, "Adam's learning rate the policy starts at")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--hidden", f->hidden, "Hidden units per layer, one or two layers (e.g. 8,8)")
      ->delimiter(',')
      ->capture_default_str();
  c->add_option("--activation", f->activation, "relu or tanh")->capture_default_str()->check(CLI::IsMember({"relu", "tanh"}));
  c->add_option("--seed", f->seed, "Seed of the hidden layers' initial weights")->capture_default_str();
  c->callback([f, c] { run_new_small(*f, reproducible_command(*c)); });
}

}  // namespace l2o::cli
