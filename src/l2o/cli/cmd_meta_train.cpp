// `l2o meta-train`: meta-trains a learned optimizer on one task and writes its policy file.
//
// The command has shared flags (task, data, batch, horizon, epochs, seed, output, resume) and a
// group of flags per method, each registered and run by its own pair of functions. Methods in
// this build: l2l (Andrychowicz et al. 2016; src/l2o/l2l, docs/l2l.md) and psd (the GPS
// meta-trainer of Predicted Step Descent; meta_train_psd.{hpp,cpp}, docs/meta-training.md).
#include <Eigen/Core>
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "l2o/cli/commands.hpp"
#include "l2o/cli/common_options.hpp"
#include "l2o/cli/meta_train_es.hpp"
#include "l2o/cli/meta_train_psd.hpp"
#include "l2o/core/atomic_file.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/l2l/meta_trainer.hpp"
#include "l2o/nn/checkpoint_file.hpp"
#include "l2o/optim/state_json.hpp"
#include "l2o/task/task_spec.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace l2o::cli {

namespace {

// Flags every method shares.
struct MetaTrainFlags {
  DataFlags data;
  TaskFlags task;
  std::string method;
  int batch = 64;
  int horizon = 400;
  int epochs = 100;
  std::uint64_t seed = 1;
  std::string out;
  std::string checkpoint;  // default: <out>.checkpoint.json
  std::string resume;
  int threads = 1;
  bool quiet = false;
  CLI::Option* epochs_option = nullptr;  // l2l only (psd counts GPS iterations instead)
};

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// ------------------------------------------------------------------------------------------------
// Method l2l: Andrychowicz et al. 2016, trained by truncated BPTT (src/l2o/l2l).

struct L2LFlags {
  L2LTrainOptions options;
  std::string layers = "20-20";
  L2LSettings settings;
  bool random_readout = false;
  std::vector<CLI::Option*> registered;  // to reject them under another --method
};

void add_l2l_flags(CLI::App* cmd, L2LFlags& f) {
  const std::string g = "Method l2l";
  auto add = [&](CLI::Option* o) {
    o->group(g);
    f.registered.push_back(o);
    return o;
  };
  add(cmd->add_option("--unroll", f.options.unroll, "Steps per truncated BPTT segment (one meta-update each)")
          ->capture_default_str()
          ->check(CLI::Range(1, 1000000)));
  add(cmd->add_option("--meta-lr", f.options.meta_lr, "Adam step size of the meta-optimizer")
          ->capture_default_str()
          ->check(CLI::PositiveNumber));
  add(cmd->add_option("--meta-beta1", f.options.beta1, "Adam beta1 of the meta-optimizer")->capture_default_str());
  add(cmd->add_option("--meta-beta2", f.options.beta2, "Adam beta2 of the meta-optimizer")->capture_default_str());
  add(cmd->add_option("--meta-eps", f.options.adam_eps, "Adam epsilon of the meta-optimizer")->capture_default_str());
  add(cmd->add_option("--clip-norm", f.options.clip_norm, "Clip the meta-gradient to this global norm (0: off)")
          ->capture_default_str()
          ->check(CLI::NonNegativeNumber));
  add(cmd->add_option("--val-every", f.options.val_every, "Validate every k epochs (and after the last)")
          ->capture_default_str()
          ->check(CLI::Range(1, 1000000)));
  add(cmd->add_option("--val-seeds", f.options.val_seeds, "Number of held-out validation seeds")
          ->capture_default_str()
          ->check(CLI::Range(1, 1000000)));
  add(cmd->add_option("--val-seed-first", f.options.val_seed_first, "First validation seed")->capture_default_str());
  add(cmd->add_option("--val-eval-every", f.options.val_eval_every,
                      "Validation evaluates the true objective every k steps (interpolated between)")
          ->capture_default_str()
          ->check(CLI::Range(1, 1000000)));
  add(cmd->add_option("--train-seed-first", f.options.train_seed_first, "First training-episode seed")
          ->capture_default_str());
  add(cmd->add_option("--train-seeds", f.options.train_seed_count, "Number of training-episode seeds")
          ->capture_default_str());
  add(cmd->add_option("--layers", f.layers, "LSTM cells per layer, e.g. 20-20")->capture_default_str());
  add(cmd->add_option("--preprocess-p", f.settings.p, "Constant p of the log/sign gradient preprocessing")
          ->capture_default_str()
          ->check(CLI::PositiveNumber));
  add(cmd->add_option("--output-scale", f.settings.output_scale, "Scale of the LSTM output (the step)")
          ->capture_default_str()
          ->check(CLI::PositiveNumber));
  add(cmd->add_flag("--random-readout", f.random_readout,
                    "Initialise the read-out randomly (default: zero, the untrained optimizer takes no steps)"));
}

std::vector<Index> parse_layers(const std::string& text) {
  std::vector<Index> layers;
  try {
    for (int w : parse_arch(text)) layers.push_back(w);
  } catch (const Error&) {
    layers.clear();
  }
  if (layers.empty() && text.find('-') == std::string::npos) {  // a single layer, e.g. "20"
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0' && v > 0 && v <= 100000) layers.push_back(v);
  }
  if (layers.empty()) throw Error(fmt::format("--layers: '{}' is not a list of cell counts like 20-20", text));
  return layers;
}

void run_l2l(const MetaTrainFlags& f, const L2LFlags& lf, const std::string& command) {
  if (f.out.empty()) throw Error("--out: the policy file to write is required");
  L2LTrainOptions options = lf.options;
  options.batch = f.batch;
  options.horizon = f.horizon;
  options.epochs = f.epochs;
  options.seed = f.seed;
  options.validate();
  L2LSettings settings = lf.settings;
  settings.layers = parse_layers(lf.layers);
  settings.zero_readout = !lf.random_readout;
  settings.validate("--layers");
  const std::string checkpoint_path = f.checkpoint.empty() ? f.out + ".checkpoint.json" : f.checkpoint;
  // An unwritable destination (or a full disk) is reported now, not after the training.
  check_output_file(f.out, "--out", kMinFreeOutputBytes);
  check_output_file(checkpoint_path, "--checkpoint", kMinFreeOutputBytes);

  const TaskSpec spec = f.task.resolve();
  const MlpTask task = make_task(spec, f.data.resolve());
  L2LMetaTrainer trainer(task, options, settings, to_json(spec));
  if (!f.resume.empty()) trainer.restore(read_checkpoint_file(f.resume, "--resume"), f.resume);

  if (!f.quiet) {
    fmt::print("meta-train l2l on {} ({}, {} training examples): batch {}, horizon {}, unroll {}, epochs {}, seed {}\n",
               task.dataset_name(), spec.arch, task.train_count(), options.batch, options.horizon, options.unroll,
               options.epochs, options.seed);
    fmt::print("  policy: LSTM {} ({} parameters), p = {}, output scale {}; Adam lr {}, clip {}\n", lf.layers,
               trainer.policy().num_params(), settings.p, settings.output_scale, options.meta_lr,
               options.clip_norm > 0 ? fmt::format("{}", options.clip_norm) : "off");
    fmt::print("  validation: seeds {}..{} every {} epochs; checkpoint {}\n", options.val_seed_first,
               options.val_seed_first + static_cast<std::uint64_t>(options.val_seeds) - 1, options.val_every,
               checkpoint_path);
    if (!f.resume.empty()) fmt::print("  resumed from {} after epoch {}\n", f.resume, trainer.epochs_done());
    std::fflush(stdout);
  }

  const auto start = std::chrono::steady_clock::now();
  const int first_epoch = trainer.epochs_done();
  while (!trainer.finished()) {
    const L2LEpochReport r = trainer.run_epoch();
    if (dist::is_root()) write_checkpoint_file(checkpoint_path, trainer.checkpoint());
    if (f.quiet) continue;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int done = trainer.epochs_done() - first_epoch;
    const double eta = elapsed / done * (options.epochs - trainer.epochs_done());
    fmt::print("epoch {:>4}/{}  seed {:>3}  meta-loss {:>10.3f}{}  |grad| {:>9.3g}  {}best {:.3f} (epoch {})  "
               "elapsed {}  ETA {}\n",
               r.epoch, options.epochs, r.episode_seed, r.meta_loss,
               r.diverged_segments ? " (diverged)" : "", r.grad_norm,
               r.validation ? fmt::format("validation {:.3f}  ", *r.validation) : std::string(),
               r.best_validation, r.best_epoch, format_duration(elapsed), format_duration(eta));
    std::fflush(stdout);
  }

  Provenance prov;
  prov.command = command;
  prov.dataset = spec.dataset;
  prov.seed = options.seed;
  prov.date = utc_timestamp();
  prov.revision = source_revision();
  prov.extra = {{"task", to_json(spec)},
                {"options", options.to_json()},
                {"epochs_trained", trainer.epochs_done()},
                {"best_epoch", trainer.best_epoch()},
                {"best_validation", encode_number(trainer.best_validation())}};
  if (dist::is_root()) trainer.best_policy().save(f.out, prov);  // rank 0 writes (docs/distributed.md)
  if (!f.quiet)
    fmt::print("wrote {} (the policy of epoch {}, validation meta-loss {:.4f}); checkpoint {}\n", f.out,
               trainer.best_epoch(), trainer.best_validation(), checkpoint_path);
}

// ------------------------------------------------------------------------------------------------

// Flags of one method given with another --method are an error, not silently ignored.
void reject_flags_of(const std::vector<CLI::Option*>& options, const std::string& method,
                     const std::string& chosen) {
  if (chosen == method) return;
  for (const CLI::Option* o : options)
    if (o->count() > 0) throw Error(fmt::format("{} applies to --method {} only", o->get_name(), method));
}

MetaTrainShared shared_settings(const MetaTrainFlags& f, const std::string& command) {
  MetaTrainShared s;
  s.spec = f.task.resolve();
  s.data = f.data.resolve();
  s.batch = f.batch;
  s.horizon = f.horizon;
  s.seed = f.seed;
  s.out = f.out;
  s.checkpoint = f.checkpoint;
  s.resume = f.resume;
  s.quiet = f.quiet;
  s.command = command;
  s.revision = source_revision();
  return s;
}

void run_meta_train(const MetaTrainFlags& f, const L2LFlags& l2l, const PsdFlags& psd, const EsFlags& es,
                    const std::string& command) {
  reject_flags_of(l2l.registered, "l2l", f.method);
  reject_flags_of({f.epochs_option}, "l2l", f.method);
  reject_flags_of(psd.registered, "psd", f.method);
  reject_flags_of(es.registered, "psd-es", f.method);
  // Eigen's threads: the LSTM products are small enough that more threads mostly add
  // synchronisation (see docs/l2l.md, "Speed").
  Eigen::setNbThreads(f.threads);
#if defined(__GLIBC__)
  // Every step records an LSTM tape of ~7 MB in blocks of ~0.5 MB, freed at the end of each
  // segment. glibc serves blocks that large with mmap and returns them to the system on free, so
  // each step page-faults its tape in afresh (78 million faults and a quarter of the CPU time of
  // the shipped MNIST run). Keeping such blocks on the heap lets later segments reuse them.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif

  // DISPATCH POINT: one branch per meta-training method, each with its own flags
  // (add_<method>_flags) and its own run function.
  if (f.method == "l2l") return run_l2l(f, l2l, command);
  if (f.method == "psd") return run_psd(shared_settings(f, command), psd);
  if (f.method == "psd-es") return run_es(shared_settings(f, command), es);
  throw Error(fmt::format("--method: unknown meta-training method '{}' (available: l2l, psd, psd-es)", f.method));
}
}  // namespace

void add_meta_train_command(CLI::App& app) {
  auto flags = std::make_shared<MetaTrainFlags>();
  auto l2l = std::make_shared<L2LFlags>();
  auto psd = std::make_shared<PsdFlags>();
  auto es = std::make_shared<EsFlags>();
  CLI::App* cmd = app.add_subcommand("meta-train", "Meta-train a learned optimizer and write its policy file");
  cmd->add_option("--method", flags->method, "Meta-training method: l2l, psd (GPS) or psd-es (ES fine-tuning of a PSD policy)")->required();
  add_task_flags(cmd, flags->task);
  add_data_flags(cmd, flags->data);
  add_batch_flag(cmd, flags->batch, "Minibatch size of the optimizee");
  cmd->add_option("--horizon", flags->horizon, "Steps per episode (the meta-loss horizon)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000000));
  flags->epochs_option = cmd->add_option("--epochs", flags->epochs, "l2l: training epochs (one episode each)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000000));
  cmd->add_option("--seed", flags->seed, "Seed of the policy initialisation and the training episodes")
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "Policy file to write (the best policy on validation)")->required();
  cmd->add_option("--checkpoint", flags->checkpoint, "Checkpoint written after every epoch (default: OUT.checkpoint.json)");
  cmd->add_option("--resume", flags->resume, "Continue from a checkpoint written by an earlier run");
  add_threads_flag(cmd, flags->threads, "Threads for the matrix products");
  add_quiet_flag(cmd, flags->quiet);
  add_l2l_flags(cmd, *l2l);
  add_psd_flags(cmd, *psd);
  add_es_flags(cmd, *es);
  cmd->callback([flags, l2l, psd, es, cmd] { run_meta_train(*flags, *l2l, *psd, *es, reproducible_command(*cmd)); });
}
}  // namespace l2o::cli
