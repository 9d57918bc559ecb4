#pragma once
// The data files of a benchmark run: one CSV of curve statistics per panel and summary.json.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/bench/experiment.hpp"

namespace l2o {

// Column layout of a panel CSV: "iter", then per optimizer (in panel order) the six columns
// "<label>_mean", "<label>_std", "<label>_median", "<label>_q25", "<label>_q75", "<label>_runs".
// One row per evaluated iteration; empty fields where no run of that optimizer is alive.
constexpr int kCsvColumnsPerOptimizer = 6;
std::vector<std::string> panel_csv_header(const PanelResult& panel);
// Throws l2o::Error naming the file if it cannot be written.
void write_panel_csv(const std::string& path, const PanelResult& panel);

// One entry of summary.json's "panels" (see docs/experiments.md for every field). Contains no
// timings, so identical seeds give an identical entry.
nlohmann::json panel_summary_json(const PanelResult& panel);

// summary.json: {"panels": [...complete panels...], "missing": [{"experiment", "dataset", "arch",
// "tuning", "reason"}], "settings": {...}, "timing": {...}}.
nlohmann::json summary_json(const std::vector<PanelResult>& panels, const nlohmann::json& settings,
                            const nlohmann::json& timing);

// Writes text to a file; throws l2o::Error naming the file.
void write_text_file(const std::string& path, const std::string& text);
}  // namespace l2o
