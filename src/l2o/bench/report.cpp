#include "l2o/bench/report.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "l2o/task/mlp_task.hpp"

namespace l2o {

std::string format_number(double v, int digits) {
  if (!std::isfinite(v)) return "—";
  return fmt::format("{:.{}g}", v, digits);
}

namespace {

std::string hyper_text(const nlohmann::json& hyper) {
  if (!hyper.is_object() || hyper.empty()) return "(defaults)";
  std::vector<std::string> parts;
  for (const auto& [k, v] : hyper.items())
    parts.push_back(v.is_number() ? fmt::format("{}={}", k, format_number(v.get<double>(), 4)) : fmt::format("{}={}", k, v.dump()));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string speedup_text(const OptimizerOutcome& o, const Speedup& speedup) {
  if (!o.has_reference) return "n/a";
  if (speedup.value) return format_number(*speedup.value, 3) + "x";
  if (speedup.lower_bound) return fmt::format("> {:.2f}x", *speedup.lower_bound);
  return "—";
}

std::string seconds_speedup_text(const OptimizerOutcome& o) {
  return o.seconds_note.empty() ? speedup_text(o, o.speedup_seconds) : "unknown";
}

// Mean milliseconds per iteration: seconds_mean over the panel's iterations.
std::string ms_per_iteration_text(const OptimizerOutcome& o, int iters) {
  return std::isfinite(o.seconds_mean) ? format_number(1000.0 * o.seconds_mean / iters, 3) : "—";
}

void panel_table(std::ostringstream& s, const PanelResult& p) {
  s << "| rank | optimizer | final objective (mean ± std) | median | meta-loss (mean) | diverged | speed-up over Adam "
       "(iterations) | speed-up over Adam (seconds) | ms per iteration | test accuracy | early peak |\n";
  s << "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<const OptimizerOutcome*> order;
  for (const auto& o : p.optimizers) order.push_back(&o);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
  for (const auto* o : order) {
    double acc = 0.0;
    int n = 0;
    for (double a : o->test_accuracy)
      if (std::isfinite(a)) {
        acc += a;
        ++n;
      }
    s << fmt::format("| {} | {} | {} ± {} | {} | {} | {}/{} | {} | {} | {} | {} | {} |\n", o->rank, o->label,
                     format_number(o->final_objective.mean), format_number(o->final_objective.std),
                     format_number(o->final_objective_median), format_number(o->meta_loss.mean, 5), o->diverged_runs,
                     o->runs.size(), speedup_text(*o, o->speedup), seconds_speedup_text(*o),
                     ms_per_iteration_text(*o, p.spec.iters), n ? fmt::format("{:.1f}%", 100.0 * acc / n) : "—",
                     o->early_peak.count ? fmt::format("{:.2f}×", o->early_peak.mean) : "—");
  }
  std::vector<std::string> unknown;
  for (const auto* o : order)
    if (!o->seconds_note.empty()) unknown.push_back(o->label + ": " + o->seconds_note);
  if (!unknown.empty()) {
    s << "\nSpeed-ups in seconds that are unknown:\n";
    for (const auto& u : unknown) s << "- " << u << "\n";
  }
  std::vector<std::string> divergences;
  for (const auto& o : p.optimizers)
    for (const auto& r : o.runs)
      if (r.diverged && divergences.size() < 5) divergences.push_back(r.divergence);
  if (!divergences.empty()) {
    s << "\nDivergences (first " << divergences.size() << "):\n";
    for (const auto& d : divergences) s << "- " << d << "\n";
  }
}

void panels_section(std::ostringstream& s, const std::vector<PanelResult>& panels, const std::string& tuning,
                    const ReportInfo& info) {
  const std::string combined = tuning == "mnist" ? "plots/combined.png" : "plots/combined_per-task.png";
  if (std::find(info.plots.figures.begin(), info.plots.figures.end(), combined) != info.plots.figures.end())
    s << "![combined figure](" << combined << ")\n\n";
  for (const auto& p : panels) {
    if (p.tuning != tuning || p.missing) continue;
    s << fmt::format("### {} — {} ({}), batch {}, {} iterations\n\n", p.spec.experiment, p.dataset_display,
                     arch_to_string(p.arch), p.spec.batch, p.spec.iters);
    s << fmt::format("{} seeds ({}..{}), true objective over {} training examples, evaluated every {} iterations. "
                     "Data: [{}.csv]({}.csv).\n\n",
                     p.seeds.size(), p.seeds.front(), p.seeds.back(), p.train_examples, p.eval_every, p.file_stem(),
                     p.file_stem());
    const std::string fig = "plots/" + p.file_stem() + ".png";
    if (std::find(info.plots.figures.begin(), info.plots.figures.end(), fig) != info.plots.figures.end())
      s << "![" << p.file_stem() << "](" << fig << ")\n\n";
    const std::string seconds_fig = "plots/" + p.seconds_stem() + ".png";
    if (std::find(info.plots.figures.begin(), info.plots.figures.end(), seconds_fig) != info.plots.figures.end())
      s << "The same against the seconds of minibatch gradients and optimizer steps (mean over runs, log scale; "
           "data: [" << p.seconds_stem() << ".csv](" << p.seconds_stem() << ".csv)):\n\n![" << p.seconds_stem()
        << "](" << seconds_fig << ")\n\n";
    panel_table(s, p);
    s << "\n";
  }
}
}  // namespace

std::string render_report(const std::vector<PanelResult>& panels, const ReportInfo& info) {
  std::ostringstream s;
  const auto& st = info.settings;
  s << "# l2o benchmark report\n\n";
  s << "Produced by:\n\n```\n" << info.command << "\n```\n\n";
  s << fmt::format("Wall time {:.1f} s with {} parallel jobs.\n\n", info.wall_seconds, info.jobs);

  s << "## Settings\n\n";
  s << "| experiment | arch | batch | iterations | data sets | what it shows |\n|---|---|---:|---:|---|---|\n";
  std::vector<std::string> seen;
  for (const auto& p : panels) {
    if (std::find(seen.begin(), seen.end(), p.spec.experiment) != seen.end()) continue;
    seen.push_back(p.spec.experiment);
    for (const auto& e : experiment_catalog())
      if (e.name == p.spec.experiment)
        s << fmt::format("| {} | {} | {} | {} | {} | {} |\n", e.name, p.spec.arch_template(), e.batch, e.iters,
                         fmt::join(e.datasets, ", "), e.description);
  }
  s << "\n";
  s << fmt::format(
      "- Seeds: {} evaluation seeds starting at {} (the tuning seeds were {}; they do not overlap). A seed fixes "
      "the initial weights and the minibatch sequence; every optimizer sees the same ones.\n",
      st.value("seeds", 0), st.value("first_seed", 0), info.tuned.is_object() && info.tuned.contains("settings")
                                                          ? info.tuned["settings"].value("seeds", nlohmann::json::array()).dump()
                                                          : std::string("?"));
  s << fmt::format(
      "- True objective: the mean softmax cross-entropy of the MLP over the task's training set (a seeded subset of "
      "at most {} examples of the data set's training split; projection seed {}, subset seed {}), computed exactly, "
      "every {} iterations and at iterations 0 and T.\n",
      st.value("train_size", 0L), st.value("projection_seed", 0), st.value("subset_seed", 0), st.value("eval_every", 1));
  s << "- Meta-loss: sum over t = 1..T of the true objective, linearly interpolated between evaluated iterations "
       "(LM17 §3.1). Rank 1 = lowest mean meta-loss; an optimizer with diverged runs ranks below all without.\n";
  s << fmt::format("- Diverged runs (a non-finite loss, gradient, step or objective, or a true objective above {:g} "
                   "times its initial value) are counted in the `diverged` column; they ",
                   st.value("divergence_factor", 0.0));
  s << "contribute to the curves up to their last evaluation before diverging and are left out after it, and their meta-loss "
       "and final objective are left out of the means (the CSV's `_runs` column says how many runs each point "
       "averages).\n";
  s << "- Curves: the line is the mean over the runs alive at that iteration; the band spans the 25th to 75th "
       "percentile.\n";
  s << "- Speed-up over Adam: (iterations tuned Adam's mean curve needs to reach this optimizer's final mean "
       "objective, interpolated between evaluations) / (iterations this optimizer ran). \"> x\" means Adam never "
       "reached it, so the speed-up exceeds Adam's iterations / this optimizer's iterations.\n";
  s << "- Speed-up over Adam (seconds): the seconds tuned Adam's mean curve needs to first reach the same target (its "
       "fractional iteration converted with Adam's mean cumulative seconds) / this optimizer's mean total seconds over "
       "its runs that did not diverge; \"> x\" is Adam's mean total seconds / this optimizer's. The seconds count "
       "the minibatch gradients and optimizer steps, not the evaluations of the true objective, and ms per iteration "
       "is that mean total over the iterations. They are wall-clock measurements: they vary with the machine, its "
       "load and the --jobs count (runs share the cores), and runs reused from runs/ keep the seconds of the process "
       "that ran them.\n";
  s << "- Early peak: the highest evaluated true objective in iterations 0-20 over the initial one, mean over "
       "runs (1.00× = no early blow-up).\n\n";

  s << "## Tuned hyper-parameters\n\n";
  if (info.tuned.is_object() && info.tuned.contains("optimizers")) {
    const auto& ts = info.tuned.value("settings", nlohmann::json::object());
    s << fmt::format("From `{}`: tuned on {} ({}), batch {}, {} iterations, seeds {}, criterion: {}.\n\n", info.tuned_file,
                     ts.value("dataset", "?"), ts.value("arch", "?"), ts.value("batch", 0), ts.value("iters", 0),
                     ts.value("seeds", nlohmann::json::array()).dump(), ts.value("criterion", "?"));
    s << "| optimizer | hyper-parameters | tuning meta-loss (mean) | diverged |\n|---|---|---:|---:|\n";
    for (const auto& [name, e] : info.tuned["optimizers"].items()) {
      const auto& ml = e.value("meta_loss_mean", nlohmann::json());
      s << fmt::format("| {} | {} | {} | {} |\n", name, hyper_text(e.value("hyper", nlohmann::json::object())),
                       ml.is_number() ? format_number(ml.get<double>(), 5) : "—", e.value("diverged_runs", 0));
    }
    s << "\n";
  } else {
    s << "No tuned-values file was used.\n\n";
  }
  s << "Hyper-parameters each optimizer ran with (as reported by the optimizer):\n\n";
  seen.clear();
  for (const auto& p : panels)
    for (const auto& o : p.optimizers)
      if (p.tuning == "mnist" && std::find(seen.begin(), seen.end(), o.label) == seen.end()) {
        seen.push_back(o.label);
        s << "- " << o.label << ": " << hyper_text(o.hyper) << "\n";
      }
  s << "\n";

  s << "## Results (hyper-parameters tuned on MNIST)\n\n";
  panels_section(s, panels, "mnist", info);
  const bool per_task = std::any_of(panels.begin(), panels.end(), [](const auto& p) { return p.tuning == "per-task"; });
  if (per_task) {
    s << "## Results with hyper-parameters tuned on each task itself (--tune-per-task)\n\n";
    s << "The hand-designed optimizers tuned again on each panel's own task (its net, batch and horizon) with the "
         "tuning seeds and `l2o tune`'s criterion, over the grid that settings.per_task_tuning of summary.json "
         "describes (by default a local one: the step size at half-decade multiples of the MNIST-tuned value, "
         "extended past an edge while the best lies there); the chosen values and every grid point are in "
         "each panel's `*_per-task_tuning.json`. The learned optimizers are not tuned.\n\n";
    panels_section(s, panels, "per-task", info);
  }

  std::vector<const PanelResult*> missing;
  for (const auto& p : panels)
    if (p.missing) missing.push_back(&p);
  if (!missing.empty()) {
    s << "## Missing panels\n\n| experiment | data set | tuning | reason |\n|---|---|---|---|\n";
    for (const auto* p : missing)
      s << fmt::format("| {} | {} | {} | {} |\n", p->spec.experiment, p->spec.dataset, p->tuning, p->missing_reason);
    s << "\n";
  }
  if (!info.plots.warnings.empty()) {
    s << "## Figure warnings\n\n";
    for (const auto& w : info.plots.warnings) s << "- " << w << "\n";
    s << "\n";
  }

  s << "## Reproduce\n\n```\n";
  // The tuning commands (one per optimizer if they were tuned separately), then this run.
  std::vector<std::string> tune_commands;
  if (info.tuned.is_object() && info.tuned.contains("optimizers"))
    for (const auto& [name, e] : info.tuned["optimizers"].items()) {
      const std::string c = e.value("command", info.tuned.value("command", ""));
      if (!c.empty() && std::find(tune_commands.begin(), tune_commands.end(), c) == tune_commands.end())
        tune_commands.push_back(c);
    }
  for (const auto& c : tune_commands) s << c << "\n";
  s << info.command << "\n```\n\n";
  s << "Figures can be re-rendered from the CSV files with `gnuplot plots/<name>.gp` in this directory.\n";
  return s.str();
}
}  // namespace l2o
