#include "l2o/cli/meta_train_psd.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/gps/task_distribution.hpp"
#include "l2o/gps/psd_gps_trainer.hpp"
#include "l2o/l2l/meta_trainer.hpp"
#include "l2o/nn/checkpoint_file.hpp"
#include "l2o/nn/policy_file.hpp"

namespace l2o::cli {

Provenance base_provenance(const MetaTrainShared& s) {
  Provenance prov;
  prov.command = s.command;
  prov.dataset = s.spec.dataset;
  prov.seed = s.seed;
  prov.date = utc_timestamp();
  prov.revision = s.revision;
  return prov;
}

CLI::Option* method_flag(std::vector<CLI::Option*>& registered, const std::string& group, CLI::Option* option) {
  option->group(group);
  registered.push_back(option);
  return option;
}

void add_psd_flags(CLI::App* cmd, PsdFlags& f) {
  auto add = [&](CLI::Option* o) { return method_flag(f.registered, "Method psd", o); };
  add(cmd->add_option("--iterations", f.iterations, "GPS iterations (default: the config's, 10)")
          ->check(CLI::Range(0, 1000000)));
  add(cmd->add_option("--samples", f.samples, "Trajectories sampled from psi per iteration (default: the config's, 20)")
          ->check(CLI::Range(2, 1000000)));
  add(cmd->add_option("--coordinates", f.coordinates,
                      "Coordinates recorded per group and trajectory for the fits (default: the config's)")
          ->check(CLI::Range(1, 100000000)));
  add(cmd->add_option("--cost-examples", f.cost_examples,
                      "Examples of the task training set the true objective is evaluated on (0: all)")
          ->check(CLI::Range(0L, 1000000000L)));
  add(cmd->add_option("--workers", f.workers, "Threads for the parallel rollouts and fits (0: all cores)")
          ->check(CLI::Range(0, 1024)));
  add(cmd->add_option("--tuned", f.tuned,
                      "Tuned hyper-parameters whose momentum entry initialises psi (default: the config's "
                      "init.tuned_path, configs/tuned.json)"));
  add(cmd->add_option("--algorithm", f.algorithm,
                      "GPS variant: badmm (LM17) or mdgps (on-policy mirror descent); default: the config's "
                      "gps.algorithm, badmm"));
  add(cmd->add_option("--config", f.config, "JSON file with GPS and meta-training settings (docs/meta-training.md)"));
  add(cmd->add_option("--distribution", f.distribution,
                      "JSON file with a meta-training task distribution (replaces the config's \"distribution\"; "
                      "docs/meta-training.md)"));
  add(cmd->add_option("--write-config", f.write_config, "Write the resolved settings to this file and exit"));
}

namespace {

std::string seconds_text(double s) {
  const long v = std::lround(s);
  if (v >= 60) return fmt::format("{}m{:02}s", v / 60, v % 60);
  return fmt::format("{:.1f}s", s);
}

gps::PsdMetaTrainConfig resolve_config(const MetaTrainShared& s, const PsdFlags& f) {
  gps::PsdMetaTrainConfig c;
  if (!f.config.empty()) {
    try {
      c = gps::PsdMetaTrainConfig::from_json(read_json_file(f.config, "--config"));
    } catch (const Error& e) {
      throw Error(fmt::format("--config {}: {}", f.config, e.what()));
    }
  }
  c.batch = s.batch;
  c.gps.sampling.horizon = s.horizon;
  if (f.iterations >= 0) c.gps.sampling.iterations = f.iterations;
  if (f.samples > 0) c.gps.sampling.trajectories = f.samples;
  if (f.coordinates > 0) c.gps.sampling.coordinates_per_group = f.coordinates;
  if (f.cost_examples >= 0) c.cost_examples = f.cost_examples;
  if (!f.algorithm.empty()) {
    if (f.algorithm != "badmm" && f.algorithm != "mdgps")
      throw Error(fmt::format("--algorithm: '{}' is not one of badmm, mdgps", f.algorithm));
    c.gps.algorithm = gps::parse_gps_algorithm(f.algorithm);
  }
  if (!f.distribution.empty())  // both readers' errors start with "--distribution"
    c.distribution = gps::TaskDistribution::from_json(read_json_file(f.distribution, "--distribution"),
                                                      "--distribution " + f.distribution);
  if (!f.tuned.empty()) {
    if (!std::filesystem::exists(f.tuned)) throw Error(fmt::format("--tuned {}: no such file", f.tuned));
    c.init.tuned_path = f.tuned;
  }
  c.validate();
  return c;
}

void print_iteration(const gps::IterationReport& r, int total, double elapsed) {
  fmt::print("iter {:>3}/{}  meta-loss {} {:>9.3f}  pi {:>9.3f}{}  elapsed {}  ({} this iteration)\n", r.iteration,
             total, r.sampled == "pi" ? "sampled pi" : "psi", r.psi_meta_loss, r.pi_meta_loss,
             r.diverged ? fmt::format("  ({} {} runs diverged)", r.diverged, r.sampled) : "",
             seconds_text(elapsed), seconds_text(r.seconds));
  for (const auto& g : r.groups)
    fmt::print("    {:<4} KL(psi|psi') {:>8.3g} / eps {:>8.3g} ({})  KL(psi|pi) {:>8.3g}  kappa {:>8.3g}  nu {:>8.3g}  "
               "step x{:.3g}  h {:.3g}\n",
               g.name, g.kl_step, g.epsilon, g.status, g.kl_pi, g.kappa, g.nu, g.step_mult, g.curvature);
  std::fflush(stdout);
}

}  // namespace

void run_psd(const MetaTrainShared& s, const PsdFlags& f) {
#ifdef _OPENMP
  if (f.workers > 0) omp_set_num_threads(f.workers);
#endif
  const gps::PsdMetaTrainConfig config = resolve_config(s, f);
  if (!f.write_config.empty()) {
    if (dist::is_root()) write_json_atomically(f.write_config, config.to_json());
    if (!s.quiet) fmt::print("wrote {}\n", f.write_config);
    return;
  }
  if (s.out.empty()) throw Error("--out: the policy file to write is required");
  const std::string checkpoint_path = s.checkpoint.empty() ? s.out + ".checkpoint.json" : s.checkpoint;
  // An unwritable destination (or a full disk) is reported now, not after the training.
  check_output_file(s.out, "--out", kMinFreeOutputBytes);
  check_output_file(checkpoint_path, "--checkpoint", kMinFreeOutputBytes);
  const MlpTask task = make_task(s.spec, s.data);
  // The distribution's members: the same data set and task settings with drawn nets and batches.
  std::vector<gps::FamilyMember> family{{&task, config.batch}};
  std::vector<MlpTask> members;
  std::vector<gps::TaskDraw> draws;
  if (config.distribution.tasks > 0) {
    draws = gps::draw_tasks(config.distribution, task.config().arch.back(), derive_seed(s.seed, "task-distribution"));
    members.reserve(draws.size());
    for (const gps::TaskDraw& d : draws) {
      TaskSpec spec = s.spec;
      spec.arch = d.arch_text();
      members.push_back(make_task(spec, s.data));
    }
    for (std::size_t i = 0; i < draws.size(); ++i) family.push_back({&members[i], draws[i].batch});
  }
  gps::PsdGpsTrainer trainer(family, config, s.seed);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const int total = config.gps.sampling.iterations;

  if (!s.quiet) {
    fmt::print("meta-train psd (Convolutional GPS, {}) on {} ({}, {} training examples; true objective on {}): batch {}, "
               "horizon {}, iterations {}, samples {}, coordinates/group {}, seed {}\n",
               gps::to_string(config.gps.algorithm), task.dataset_name(), s.spec.arch, task.train_count(),
               config.cost_examples > 0 && config.cost_examples < task.train_count() ? config.cost_examples
                                                                                       : task.train_count(),
               config.batch, config.gps.sampling.horizon, total, config.gps.sampling.trajectories,
               config.gps.sampling.coordinates_per_group, s.seed);
    if (!draws.empty() || config.distribution.rescale_log10 > 0) {
      std::string list = fmt::format("{} batch {}", s.spec.arch, config.batch);
      for (const auto& d : draws) list += fmt::format(", {} batch {}", d.arch_text(), d.batch);
      const double r = config.distribution.rescale_log10;
      fmt::print("  task family ({} nets): {}{}\n", family.size(), list,
                 r > 0 ? fmt::format("; initial weights rescaled by 10^U(-{}, {}) per tensor", r, r) : "");
    }
    fmt::print("  GPS state: x, g, {}S1..S3 up to index {} ({} dims); checkpoint {}\n",
               config.adaptive_state ? "AdaGrad direction, " : "", config.state_upper,
               config.state_dim(), checkpoint_path);
    std::fflush(stdout);
  }

  if (!s.resume.empty()) {
    trainer.restore(read_checkpoint_file(s.resume, "--resume"), s.resume);
    if (!s.quiet) fmt::print("  resumed from {} after iteration {}\n", s.resume, trainer.iterations_done());
  } else {
    const gps::InitReport r = trainer.initialise();
    if (dist::is_root()) write_checkpoint_file(checkpoint_path, trainer.checkpoint());
    if (!s.quiet) {
      fmt::print("init: teacher {} {} ({}), meta-loss {:.3f}; psi (mean) {:.3f}; pi pre-trained {:.3f}; "
                 "step scale {:.3g}; {}\n",
                 r.teacher, r.teacher_hyper.dump(), r.teacher_source, r.teacher_meta_loss, r.psi_meta_loss,
                 r.pi_meta_loss, r.output_scale, seconds_text(r.seconds));
      std::fflush(stdout);
    }
  }

  std::string failure;
  while (!trainer.finished()) {
    try {
      const gps::IterationReport r = trainer.run_iteration();
      if (dist::is_root()) write_checkpoint_file(checkpoint_path, trainer.checkpoint());
      if (!s.quiet) print_iteration(r, total, elapsed());
    } catch (const Error& e) {
      failure = e.what();
      break;
    }
  }

  Provenance prov = base_provenance(s);
  auto hist = nlohmann::json::array();
  for (const auto& h : trainer.history()) hist.push_back(h.to_json());
  prov.extra = {{"method", "Convolutional GPS (LM17)"},
                {"task", to_json(s.spec)},
                {"config", config.to_json()},
                {"iterations_trained", trainer.iterations_done()},
                {"best_iteration", trainer.best_iteration()},
                {"best_meta_loss_train_seeds", trainer.best_meta_loss()},
                {"init", trainer.init_report().to_json()},
                {"history", hist}};
  if (!failure.empty()) prov.extra["stopped"] = failure;
  const PsdPolicy best = trainer.best_policy();
  if (!best.params().allFinite()) throw Error("psd meta-train: the best policy is not finite; nothing written");
  if (dist::is_root()) best.save(s.out, prov);  // rank 0 writes (docs/distributed.md)
  if (!s.quiet)
    fmt::print("wrote {} (pi of iteration {}, meta-loss {:.4f} on the meta-training evaluation seeds); checkpoint {}\n",
               s.out, trainer.best_iteration(), trainer.best_meta_loss(), checkpoint_path);
  if (!failure.empty())
    throw Error(fmt::format("psd meta-train stopped in iteration {}: {} (the best policy so far was written)",
                            trainer.iterations_done() + 1, failure));
}

}  // namespace l2o::cli
