#include "l2o/cli/meta_train_es.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/es/es_trainer.hpp"
#include "l2o/l2l/meta_trainer.hpp"
#include "l2o/nn/checkpoint_file.hpp"
#include "l2o/nn/policy_file.hpp"
#include "l2o/psd_small/small_policy.hpp"

namespace l2o::cli {

void add_es_flags(CLI::App* cmd, EsFlags& f) {
  auto add = [&](CLI::Option* o) { return method_flag(f.registered, "Method psd-es", o); };
  add(cmd->add_option("--init-policy", f.init_policy, "PSD policy file that ES fine-tunes (required)"));
  add(cmd->add_option("--es-config", f.config, "JSON file with ES settings (docs/fields.md, \"ES fine-tuning\")"));
  add(cmd->add_option("--updates", f.updates, "ES updates (default: the config's, 30)")->check(CLI::Range(0, 1000000)));
  add(cmd->add_option("--pairs", f.pairs, "Antithetic pairs per update (default: the config's, 8)")
          ->check(CLI::Range(1, 100000)));
  add(cmd->add_option("--member", f.members,
                      "A family member besides the command's task, ARCH/BATCH or ARCH/BATCH@DATASET (repeatable; replaces the config's members)"));
  add(cmd->add_option("--es-workers", f.workers, "Threads for the parallel rollouts (0: all cores)")
          ->check(CLI::Range(0, 1024)));
  add(cmd->add_option("--write-es-config", f.write_config, "Write the resolved ES settings to this file and exit"));
}

namespace {

es::EsConfig resolve_es_config(const EsFlags& f) {
  es::EsConfig c;
  if (!f.config.empty()) c = es::EsConfig::from_json(read_json_file(f.config, "--es-config"), "--es-config " + f.config);
  if (f.updates >= 0) c.iterations = f.updates;
  if (f.pairs > 0) c.pairs = f.pairs;
  if (!f.members.empty()) {
    c.members.clear();
    for (const auto& m : f.members) c.members.push_back(es::parse_member(m, "--member").text());
  }
  c.validate("ES settings");
  return c;
}

// The fine-tuning of one policy type (PsdPolicy or PsdSmallPolicy, es/es_policy.hpp).
template <class Policy>
void run_es_of(const MetaTrainShared& s, const EsFlags& f, const es::EsConfig& config, const Policy& initial) {
  const char* method = es::EsPolicy<Policy>::method;
  if (s.out.empty()) throw Error("--out: the policy file to write is required");
  const std::string checkpoint_path = s.checkpoint.empty() ? s.out + ".checkpoint.json" : s.checkpoint;
  check_output_file(s.out, "--out", kMinFreeOutputBytes);
  check_output_file(checkpoint_path, "--checkpoint", kMinFreeOutputBytes);

  // The family: the command's task, then the members (same data set and task settings).
  std::vector<MlpTask> tasks;
  tasks.reserve(1 + config.members.size());
  std::vector<es::FamilyMember> family;
  tasks.push_back(make_task(s.spec, s.data));
  std::vector<std::pair<std::string, int>> labels{{fmt::format("{}/{}", s.spec.arch, s.batch), s.batch}};
  std::vector<int> horizons{0};
  for (const auto& text : config.members) {
    const es::EsMember m = es::parse_member(text, "members");
    TaskSpec spec = s.spec;
    spec.arch = m.arch;
    spec.inputs = m.inputs;
    if (!m.activation.empty()) spec.activation = m.activation;
    if (!m.dataset.empty()) spec.dataset = m.dataset;
    tasks.push_back(make_task(spec, s.data));
    labels.emplace_back(m.text(), m.batch);
    horizons.push_back(m.horizon);
  }
  for (std::size_t i = 0; i < tasks.size(); ++i)
    family.push_back({&tasks[i], labels[i].second, labels[i].first, horizons[i]});

  es::BasicEsTrainer<Policy> trainer(family, initial, config, s.horizon, s.seed);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (!s.quiet) {
    std::string list;
    for (const auto& m : family) list += (list.empty() ? "" : ", ") + m.label;
    fmt::print("meta-train psd-es (antithetic ES on the meta-loss) of the {} policy {}: {} {} (family: {}), horizon {}, "
               "updates {}, pairs {}, sigma {}, lr {}, params {} ({} moved), seed {}; checkpoint {}\n",
               method, f.init_policy, s.spec.dataset, s.spec.arch, list, s.horizon, config.iterations, config.pairs,
               config.sigma, config.learning_rate, es::to_string(config.params), trainer.moved_parameters(), s.seed,
               checkpoint_path);
    std::fflush(stdout);
  }
  if (!s.resume.empty()) {
    trainer.restore(read_checkpoint_file(s.resume, "--resume"), "--resume " + s.resume);
    if (!s.quiet) fmt::print("  resumed from {} after update {}\n", s.resume, trainer.iterations_done());
  } else {
    trainer.initialise();
    if (dist::is_root()) write_checkpoint_file(checkpoint_path, trainer.checkpoint());
    if (!s.quiet) {
      double mean = 0;
      for (double r : trainer.reference()) mean += r;
      fmt::print("init: the initial policy on {} validation runs (seeds {}..): mean meta-loss {:.3f}  ({:.1f}s)\n",
                 trainer.reference().size(), config.validation_seed_first, mean / trainer.reference().size(), elapsed());
    }
  }
  std::fflush(stdout);
  std::string failure;
  while (!trainer.finished()) {
    try {
      const es::UpdateReport r = trainer.run_iteration();
      if (dist::is_root()) write_checkpoint_file(checkpoint_path, trainer.checkpoint());
      if (!s.quiet) {
        fmt::print("update {:>3}/{}  mean log meta-loss {:.5f}  |g| {:.3g}  |u| {:.3g}{}{}  ({:.1f}s, elapsed {:.0f}s)\n",
                   r.iteration, config.iterations, r.mean_log_loss, r.gradient_rms, r.u_rms,
                   r.diverged ? fmt::format("  {} diverged", r.diverged) : "",
                   r.validated ? fmt::format("  validation {:+.5f}{}", r.validation, r.best ? " (best)" : "") : "",
                   r.seconds, elapsed());
        std::fflush(stdout);
      }
    } catch (const Error& e) {
      failure = e.what();
      break;
    }
  }
  Provenance prov = base_provenance(s);
  auto hist = nlohmann::json::array();
  for (const auto& h : trainer.history()) hist.push_back(h.to_json());
  nlohmann::json fam = nlohmann::json::array();
  for (const auto& m : family) fam.push_back(m.label);
  prov.extra = {{"method", fmt::format("ES fine-tuning of a {} policy (antithetic, on the meta-loss)", method)},
                {"task", to_json(s.spec)},
                {"horizon", s.horizon},
                {"family", fam},
                {"config", config.to_json()},
                {"initial_policy", {{"file", f.init_policy}, {"fingerprint", initial.fingerprint()}}},
                {"updates_run", trainer.iterations_done()},
                {"best_update", trainer.best_iteration()},
                {"best_validation_log_ratio", trainer.best_validation()},
                {"history", hist}};
  if (!failure.empty()) prov.extra["stopped"] = failure;
  const Policy best = trainer.best_policy();
  if (!es::EsPolicy<Policy>::parameters(best).allFinite()) throw Error("psd-es: the best policy is not finite; nothing written");
  if (dist::is_root()) best.save(s.out, prov);
  if (!s.quiet)
    fmt::print("wrote {} (update {}, validation mean log ratio {:+.5f} against the initial policy, i.e. x{:.4f} "
               "meta-loss); checkpoint {}\n",
               s.out, trainer.best_iteration(), trainer.best_validation(), std::exp(trainer.best_validation()),
               checkpoint_path);
  if (!failure.empty())
    throw Error(fmt::format("psd-es stopped in update {}: {} (the best policy so far was written)",
                            trainer.iterations_done() + 1, failure));
}

}  // namespace

void run_es(const MetaTrainShared& s, const EsFlags& f) {
#ifdef _OPENMP
  if (f.workers > 0) omp_set_num_threads(f.workers);
#endif
  const es::EsConfig config = resolve_es_config(f);
  if (!f.write_config.empty()) {
    if (dist::is_root()) write_json_atomically(f.write_config, config.to_json());
    if (!s.quiet) fmt::print("wrote {}\n", f.write_config);
    return;
  }
  if (f.init_policy.empty()) throw Error("--init-policy: the policy file to fine-tune (psd or psd-small) is required");
  if (!std::filesystem::exists(f.init_policy)) throw Error(fmt::format("--init-policy {}: no such file", f.init_policy));
  const PolicyFile file = load_policy_file(f.init_policy);
  if (file.method == "psd") return run_es_of(s, f, config, PsdPolicy::from_file(file));
  if (file.method == kPsdSmallMethod) return run_es_of(s, f, config, PsdSmallPolicy::from_policy_file(file));
  throw Error(fmt::format("--init-policy {}: ES fine-tunes psd and psd-small policies, this is a {} policy", f.init_policy,
                          file.method));
}

}  // namespace l2o::cli
