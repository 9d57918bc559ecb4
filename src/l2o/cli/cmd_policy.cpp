// `l2o policy scale-steps` / `scale-batch` / `output-warmup`: a PSD policy file with width-aware or
// batch-aware steps, or an output layer warmed up at small minibatches (docs/psd.md). `scale-steps`: the rule is
// a property of how the policy is applied to other widths, not of its weights: on the
// meta-training net every factor is 1, so the weights are copied unchanged and the result takes
// exactly the steps of the original there. The reference fan-ins are those of the net the policy
// was meta-trained on (from its provenance, or --reference-fan-in). `scale-batch` likewise: the
// factor is 1 at the reference batch and above, so the copy steps exactly as the original there;
// `output-warmup` too (below its batch) and on every hidden layer.
// `scale-output` multiplies the steps themselves (all networks': output_scale; some networks':
// their read-out weights and bias), a diagnostic for step-size scans (docs/psd.md).
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/core/error.hpp"
#include "l2o/psd/policy.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o::cli {
namespace {

struct BatchFlags {
  std::string in, out;
  double power = 0.0;
  double reference = 64;
};

struct WarmupFlags {
  std::string in, out;
  Index iterations = 0;
  double below_batch = 64;
};

struct OutputFlags {
  std::string in, out;
  double factor = 1.0;
  std::vector<std::string> networks;  // empty: every network (output_scale)
};

struct ScaleFlags {
  std::string in, out, rule = "fan_in";
  double power = 1.0;
  std::optional<double> input_power, output_power;  // absent: power (docs/psd.md, "Width by layer role")
  double bias_factor = 1.0;
  double max_factor = std::numeric_limits<double>::infinity();  // no cap unless given
  std::vector<double> reference;  // hidden-layer and output-layer weights' fan-in
};

// The meta-training net's fan-ins from the provenance's task ("48-48-10": hidden 48, output 48).
std::pair<double, double> provenance_fan_ins(const PolicyFile& file) {
  const nlohmann::json& task = file.provenance.extra.value("task", nlohmann::json::object());
  if (!task.is_object() || !task.contains("arch") || !task.at("arch").is_string())
    throw Error(fmt::format("{}: the provenance names no meta-training net (extra.task.arch); give "
                            "--reference-fan-in HIDDEN,OUTPUT",
                            file.source));
  const std::vector<int> arch = parse_arch(task.at("arch").get<std::string>());
  if (arch.size() < 3)
    throw Error(fmt::format("{}: meta-training net '{}' has no hidden layer", file.source,
                            task.at("arch").get<std::string>()));
  return {arch[arch.size() - 3], arch[arch.size() - 2]};
}

// Writes `policy` to `out`. The weights' provenance stays; this step is recorded beside it, under
// extra[`field` + "_applied"].
void write_policy(const PolicyFile& file, const PsdPolicy& policy, const std::string& out, const std::string& command,
                  const std::string& field, const nlohmann::json& setting) {
  Provenance prov = file.provenance;
  prov.extra[field + "_applied"] = {{"command", command}, {"from", file.source}, {"date", utc_timestamp()}, {field, setting}};
  policy.save(out, prov);
  fmt::print("wrote {}: {} with {} {}\n", out, file.source, field, setting.dump());
}

// Writes `original`'s weights under the architecture `cfg` to `out` (write_policy).
void write_copy(const PolicyFile& file, const PsdPolicy& original, const PsdPolicyConfig& cfg, const std::string& out,
                const std::string& command, const std::string& field, const nlohmann::json& setting) {
  PsdPolicy scaled(cfg);
  scaled.set_params(original.params());
  write_policy(file, scaled, out, command, field, setting);
}

PolicyNet network_named(const PsdPolicy& policy, const std::string& name) {
  std::vector<std::string> known;
  for (PolicyNet n : policy.networks()) {
    if (name == to_string(n)) return n;
    known.emplace_back(to_string(n));
  }
  throw Error(fmt::format("--networks: the policy has no network '{}' (it has {})", name, fmt::join(known, ", ")));
}

void run_scale_output(const OutputFlags& f, const std::string& command) {
  const PolicyFile file = load_policy_file(f.in);
  // CLI11's PositiveNumber lets NaN through (every comparison with it is false).
  if (!std::isfinite(f.factor)) throw Error(fmt::format("--factor: must be a finite number > 0, got {}", f.factor));
  PsdPolicy policy = PsdPolicy::from_file(file);
  nlohmann::json setting = {{"factor", f.factor}};
  if (f.networks.empty()) {
    PsdPolicyConfig cfg = policy.config();
    cfg.arch.output_scale *= f.factor;
    write_copy(file, policy, cfg, f.out, command, "output_scaling", setting);
    return;
  }
  std::vector<PolicyNet> nets;
  for (const std::string& name : f.networks) nets.push_back(network_named(policy, name));
  for (PolicyNet n : nets) {  // the step of network n is linear in its read-out (W h + b)
    policy.network(n).readout_weights() *= f.factor;
    policy.network(n).readout_bias() *= f.factor;
  }
  setting["networks"] = f.networks;
  write_policy(file, policy, f.out, command, "output_scaling", setting);
}

void run_scale_steps(const ScaleFlags& f, const std::string& command) {
  const PolicyFile file = load_policy_file(f.in);
  const PsdPolicy original = PsdPolicy::from_file(file);
  PsdPolicyConfig cfg = original.config();
  StepScaling& s = cfg.arch.step_scaling;
  s.rule = f.rule == "none" ? StepScaling::Rule::None : StepScaling::Rule::FanIn;
  s.power = f.power;
  s.input_power = f.input_power;
  s.output_power = f.output_power;
  s.bias_factor = f.bias_factor;
  s.max_factor = f.max_factor;
  if (!f.reference.empty()) {
    if (f.reference.size() != 2) throw Error("--reference-fan-in: expected HIDDEN,OUTPUT (two numbers)");
    s.reference_hidden_fan_in = f.reference[0];
    s.reference_output_fan_in = f.reference[1];
  } else if (s.rule != StepScaling::Rule::None) {
    std::tie(s.reference_hidden_fan_in, s.reference_output_fan_in) = provenance_fan_ins(file);
  }
  s.validate("l2o policy scale-steps");
  write_copy(file, original, cfg, f.out, command, "step_scaling", s.to_json());
}

// A copy of the policy file `in` whose architecture `change` modifies; `change` returns the setting
// recorded in the copy's provenance under `field`.
template <class Change>
void write_changed_copy(const std::string& in, const std::string& out, const std::string& command,
                        const std::string& field, Change change) {
  const PolicyFile file = load_policy_file(in);
  const PsdPolicy original = PsdPolicy::from_file(file);
  PsdPolicyConfig cfg = original.config();
  const nlohmann::json setting = change(cfg.arch);
  write_copy(file, original, cfg, out, command, field, setting);
}

void run_scale_batch(const BatchFlags& f, const std::string& command) {
  write_changed_copy(f.in, f.out, command, "batch_scaling", [&f](PsdArchitecture& a) {
    a.batch_scaling = BatchScaling{f.reference, f.power};
    a.batch_scaling.validate("l2o policy scale-batch");
    return a.batch_scaling.to_json();
  });
}

void run_output_warmup(const WarmupFlags& f, const std::string& command) {
  write_changed_copy(f.in, f.out, command, "output_warmup", [&f](PsdArchitecture& a) {
    a.output_warmup = OutputWarmup{f.iterations, f.below_batch};
    a.output_warmup.validate("l2o policy output-warmup");
    return a.output_warmup.to_json();
  });
}
}  // namespace

void add_policy_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("policy", "Work with policy files");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<ScaleFlags>();
  CLI::App* scale = cmd->add_subcommand(
      "scale-steps", "Write a copy of a PSD policy with width-aware steps (docs/psd.md, 'Width-aware steps')");
  scale->add_option("--policy", flags->in, "The PSD policy file")->required()->check(CLI::ExistingFile);
  scale->add_option("--out", flags->out, "Where to write the copy")->required();
  scale->add_option("--rule", flags->rule, "none or fan_in")->capture_default_str()->check(CLI::IsMember({"none", "fan_in"}));
  scale->add_option("--power", flags->power, "Weights' factor (reference fan-in / fan-in)^power (hidden weights, and each role without its own power)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 4.0));
  scale->add_option("--input-power", flags->input_power,
                    "Input-layer weights' power (default: --power; muP: 0, no factor of the input width)")
      ->check(CLI::Range(0.0, 4.0));
  scale->add_option("--output-power", flags->output_power, "Output-layer weights' power (default: --power)")
      ->check(CLI::Range(0.0, 4.0));
  scale->add_option("--bias-factor", flags->bias_factor, "Biases' factor (they have no fan-in)")
      ->capture_default_str()
      ->check(CLI::Range(1e-6, 100.0));
  scale->add_option("--max-factor", flags->max_factor,
                    "Cap on the weights' factor (default: none); 1 keeps nets narrower than the reference at "
                    "the reference's steps")
      ->check(CLI::PositiveNumber);
  scale->add_option("--reference-fan-in", flags->reference,
                    "Fan-ins of the meta-training net's hidden- and output-layer weights (default: from the "
                    "policy's provenance)")
      ->delimiter(',');
  scale->callback([flags, scale] { run_scale_steps(*flags, reproducible_command(*scale)); });

  auto bflags = std::make_shared<BatchFlags>();
  CLI::App* batch = cmd->add_subcommand(
      "scale-batch", "Write a copy of a PSD policy with batch-aware steps (docs/psd.md, 'Batch-aware steps')");
  batch->add_option("--policy", bflags->in, "The PSD policy file")->required()->check(CLI::ExistingFile);
  batch->add_option("--out", bflags->out, "Where to write the copy")->required();
  batch->add_option("--power", bflags->power,
                    "Steps at minibatch b < reference are multiplied by (b / reference)^power (0: off)")
      ->required()
      ->check(CLI::Range(0.0, 2.0));
  batch->add_option("--reference-batch", bflags->reference, "The minibatch the policy was meta-trained at")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  batch->callback([bflags, batch] { run_scale_batch(*bflags, reproducible_command(*batch)); });

  auto wflags = std::make_shared<WarmupFlags>();
  CLI::App* warm = cmd->add_subcommand(
      "output-warmup",
      "Write a copy of a PSD policy whose output layer is warmed up at small minibatches (docs/psd.md, "
      "'Output-layer warm-up')");
  warm->add_option("--policy", wflags->in, "The PSD policy file")->required()->check(CLI::ExistingFile);
  warm->add_option("--out", wflags->out, "Where to write the copy")->required();
  warm->add_option("--iterations", wflags->iterations,
                   "The output layer's t-th step is multiplied by min(1, t / ITERATIONS) (0: off)")
      ->required()
      ->check(CLI::Range(Index{0}, Index{1000000}));
  warm->add_option("--below-batch", wflags->below_batch, "Only at minibatches smaller than this")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  warm->callback([wflags, warm] { run_output_warmup(*wflags, reproducible_command(*warm)); });

  auto oflags = std::make_shared<OutputFlags>();
  CLI::App* output = cmd->add_subcommand(
      "scale-output", "Write a copy of a PSD policy whose steps are multiplied by a factor (a step-size scan)");
  output->add_option("--policy", oflags->in, "The PSD policy file")->required()->check(CLI::ExistingFile);
  output->add_option("--out", oflags->out, "Where to write the copy")->required();
  output->add_option("--factor", oflags->factor, "The factor on the steps")
      ->required()
      ->check(CLI::PositiveNumber);
  output->add_option("--networks", oflags->networks,
                     "Only these networks' steps (their read-out weights and bias), e.g. output_weight,output_bias "
                     "(default: every network's, by output_scale)")
      ->delimiter(',');
  output->callback([oflags, output] { run_scale_output(*oflags, reproducible_command(*output)); });

  add_policy_small_commands(cmd);
}
}  // namespace l2o::cli
