#include "l2o/bench/results_io.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

namespace {
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : ""; }
}  // namespace

std::vector<std::string> panel_csv_header(const PanelResult& panel) {
  std::vector<std::string> h{"iter"};
  for (const auto& o : panel.optimizers)
    for (const char* col : {"mean", "std", "median", "q25", "q75", "runs"}) h.push_back(o.label + "_" + col);
  return h;
}

void write_panel_csv(const std::string& path, const PanelResult& panel) {
  std::ostringstream out;
  const auto header = panel_csv_header(panel);
  for (std::size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << "\n";
  // The union of the optimizers' evaluated iterations (identical for all unless runs diverged).
  std::vector<int> iters;
  for (const auto& o : panel.optimizers) iters.insert(iters.end(), o.stats.iters.begin(), o.stats.iters.end());
  std::sort(iters.begin(), iters.end());
  iters.erase(std::unique(iters.begin(), iters.end()), iters.end());
  for (int it : iters) {
    out << it;
    for (const auto& o : panel.optimizers) {
      const auto pos = std::lower_bound(o.stats.iters.begin(), o.stats.iters.end(), it);
      if (pos == o.stats.iters.end() || *pos != it) {
        out << ",,,,,,0";
        continue;
      }
      const auto k = static_cast<std::size_t>(pos - o.stats.iters.begin());
      out << "," << csv_number(o.stats.mean[k]) << "," << csv_number(o.stats.std[k]) << ","
          << csv_number(o.stats.median[k]) << "," << csv_number(o.stats.q25[k]) << "," << csv_number(o.stats.q75[k])
          << "," << o.stats.runs[k];
    }
    out << "\n";
  }
  write_text_file(path, out.str());
}

nlohmann::json panel_summary_json(const PanelResult& panel) {
  nlohmann::json opts = nlohmann::json::array();
  for (const auto& o : panel.optimizers) {
    std::vector<std::string> divergences;
    for (const auto& r : o.runs)
      if (r.diverged) divergences.push_back(r.divergence);
    nlohmann::json meta_losses = nlohmann::json::array();
    for (double v : o.meta_losses) meta_losses.push_back(finite_or_null(v));
    std::vector<double> acc;
    for (double a : o.test_accuracy) acc.push_back(a);
    nlohmann::json e{{"name", o.label},
                     {"final_objective_mean", finite_or_null(o.final_objective.mean)},
                     {"final_objective_std", finite_or_null(o.final_objective.std)},
                     {"meta_loss_mean", finite_or_null(o.meta_loss.mean)},
                     {"diverged_runs", o.diverged_runs},
                     {"rank", o.rank},
                     {"speedup_over_adam", o.speedup.value ? nlohmann::json(*o.speedup.value) : nlohmann::json(nullptr)},
                     // extra fields
                     {"optimizer", o.kind},
                     {"hyper", o.hyper},
                     {"runs", o.runs.size()},
                     {"final_objective_median", finite_or_null(o.final_objective_median)},
                     {"meta_loss_std", finite_or_null(o.meta_loss.std)},
                     {"early_peak_ratio_mean", finite_or_null(o.early_peak.mean)},
                     {"meta_losses", meta_losses},
                     {"test_accuracy_mean", finite_or_null(mean_std(acc).mean)},
                     {"divergences", divergences}};
    if (o.speedup.lower_bound) e["speedup_over_adam_more_than"] = *o.speedup.lower_bound;
    if (!o.has_reference) e["speedup_note"] = "the reference optimizer (adam) is not in this panel";
    opts.push_back(std::move(e));
  }
  return {{"experiment", panel.spec.experiment},
          {"dataset", panel.spec.dataset},
          {"arch", arch_to_string(panel.arch)},
          {"batch", panel.spec.batch},
          {"iters", panel.spec.iters},
          {"seeds", panel.seeds.size()},
          {"optimizers", opts},
          // extra fields
          {"dataset_display", panel.dataset_display},
          {"tuning", panel.tuning},
          {"seed_values", panel.seeds},
          {"eval_every", panel.eval_every},
          {"train_examples", panel.train_examples},
          {"csv", panel.file_stem() + ".csv"}};
}

nlohmann::json summary_json(const std::vector<PanelResult>& panels, const nlohmann::json& settings,
                            const nlohmann::json& timing) {
  nlohmann::json done = nlohmann::json::array(), missing = nlohmann::json::array();
  for (const auto& p : panels) {
    if (p.missing)
      missing.push_back({{"experiment", p.spec.experiment},
                         {"dataset", p.spec.dataset},
                         {"arch", p.spec.arch_template()},
                         {"batch", p.spec.batch},
                         {"iters", p.spec.iters},
                         {"tuning", p.tuning},
                         {"reason", p.missing_reason}});
    else
      done.push_back(panel_summary_json(p));
  }
  return {{"panels", done}, {"missing", missing}, {"settings", settings}, {"timing", timing}};
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text, "--out"); }
}  // namespace l2o
