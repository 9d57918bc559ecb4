#pragma once
// report.md of a benchmark run: settings, how the objective was computed, the tuned
// hyper-parameters, the figures, a table per panel, missing panels and the commands that
// reproduce it. Everything in it is quoted from the data (summary.json, tuned.json).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/bench/experiment.hpp"
#include "l2o/bench/plots.hpp"

namespace l2o {

struct ReportInfo {
  std::string command;         // the `l2o bench` command line
  nlohmann::json settings;     // summary.json's "settings"
  nlohmann::json tuned;        // the tuned-values file (may be null)
  std::string tuned_file;
  PlotOutcome plots;
  double wall_seconds = 0.0;
  int jobs = 1;
};

std::string render_report(const std::vector<PanelResult>& panels, const ReportInfo& info);

// "1.23e-05"-style compact numbers for tables; "—" for non-finite values.
std::string format_number(double v, int digits = 4);
}  // namespace l2o
