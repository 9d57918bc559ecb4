#include "l2o/bench/results_io.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <sstream>

#include "l2o/core/atomic_file.hpp"
#include "l2o/core/error.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

namespace {
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
nlohmann::json value_or_null(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : ""; }
}  // namespace

std::vector<std::string> panel_csv_header(const PanelResult& panel) {
  std::vector<std::string> h{"iter"};
  for (const auto& o : panel.optimizers)
    for (const char* col : {"mean", "std", "median", "q25", "q75", "runs"}) h.push_back(o.label + "_" + col);
  return h;
}

namespace {
// A CSV with one row per iteration of the union of the optimizers' evaluated ones (identical for
// all unless runs diverged): the iteration, then per optimizer `fields(stats, k)` (",a,b,...") at
// its index k there, or `absent` where it was not evaluated.
void write_iteration_csv(const std::string& path, const PanelResult& panel, const std::vector<std::string>& header,
                         const std::function<std::string(const CurveStats&, std::size_t)>& fields,
                         const std::string& absent) {
  std::ostringstream out;
  for (std::size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << "\n";
  std::vector<int> iters;
  for (const auto& o : panel.optimizers) iters.insert(iters.end(), o.stats.iters.begin(), o.stats.iters.end());
  std::sort(iters.begin(), iters.end());
  iters.erase(std::unique(iters.begin(), iters.end()), iters.end());
  for (int it : iters) {
    out << it;
    for (const auto& o : panel.optimizers) {
      const auto pos = std::lower_bound(o.stats.iters.begin(), o.stats.iters.end(), it);
      if (pos == o.stats.iters.end() || *pos != it)
        out << absent;
      else
        out << fields(o.stats, static_cast<std::size_t>(pos - o.stats.iters.begin()));
    }
    out << "\n";
  }
  write_text_file(path, out.str());
}
}  // namespace

void write_panel_csv(const std::string& path, const PanelResult& panel) {
  write_iteration_csv(
      path, panel, panel_csv_header(panel),
      [](const CurveStats& s, std::size_t k) {
        return fmt::format(",{},{},{},{},{},{}", csv_number(s.mean[k]), csv_number(s.std[k]), csv_number(s.median[k]),
                           csv_number(s.q25[k]), csv_number(s.q75[k]), s.runs[k]);
      },
      ",,,,,,0");
}

std::vector<std::string> panel_seconds_csv_header(const PanelResult& panel) {
  std::vector<std::string> h{"iter"};
  for (const auto& o : panel.optimizers)
    for (const char* col : {"seconds", "mean", "q25", "q75"}) h.push_back(o.label + "_" + col);
  return h;
}

void write_panel_seconds_csv(const std::string& path, const PanelResult& panel) {
  write_iteration_csv(
      path, panel, panel_seconds_csv_header(panel),
      [](const CurveStats& s, std::size_t k) {
        const double seconds = k < s.seconds.size() ? s.seconds[k] : std::nan("");
        return fmt::format(",{},{},{},{}", csv_number(seconds), csv_number(s.mean[k]), csv_number(s.q25[k]),
                           csv_number(s.q75[k]));
      },
      ",,,,");
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
                     {"speedup_over_adam", value_or_null(o.speedup.value)},
                     // measured: differ between runs of the same command
                     {"speedup_over_adam_seconds", value_or_null(o.speedup_seconds.value)},
                     {"seconds_per_iteration", finite_or_null(o.seconds_mean / panel.spec.iters)},
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
    if (o.speedup_seconds.lower_bound) e["speedup_over_adam_seconds_more_than"] = *o.speedup_seconds.lower_bound;
    if (!o.seconds_note.empty()) e["seconds_note"] = o.seconds_note;
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

nlohmann::json without_measurements(const nlohmann::json& summary) {
  if (summary.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : summary) out.push_back(without_measurements(v));
    return out;
  }
  if (!summary.is_object()) return summary;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : summary.items())
    if (k != "timing" && k.find("seconds") == std::string::npos) out[k] = without_measurements(v);
  return out;
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomically(path, text, "--out"); }
}  // namespace l2o
