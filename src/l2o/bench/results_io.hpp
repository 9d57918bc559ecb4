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

// The data of a panel's objective-vs-seconds figure (<panel>_seconds.csv): "iter", then per
// optimizer "<label>_seconds" (mean cumulative seconds over the runs alive there, empty when
// unknown), "<label>_mean", "<label>_q25", "<label>_q75" (as in the panel CSV). A file of its own
// because seconds are measurements: the panel CSV stays identical for identical settings.
constexpr int kSecondsCsvColumnsPerOptimizer = 4;
std::vector<std::string> panel_seconds_csv_header(const PanelResult& panel);
void write_panel_seconds_csv(const std::string& path, const PanelResult& panel);

// One entry of summary.json's "panels" (see docs/experiments.md for every field). Identical seeds
// give an identical entry except for the measured seconds: each optimizer's
// "speedup_over_adam_seconds", "speedup_over_adam_seconds_more_than", "seconds_per_iteration" and
// "seconds_note" (every key that differs between runs has "seconds" in its name).
nlohmann::json panel_summary_json(const PanelResult& panel);

// summary.json: {"panels": [...complete panels...], "missing": [{"experiment", "dataset", "arch",
// "tuning", "reason"}], "settings": {...}, "timing": {...}}.
nlohmann::json summary_json(const std::vector<PanelResult>& panels, const nlohmann::json& settings,
                            const nlohmann::json& timing);

// summary.json (or a part of it) without what is measured and so differs between runs of the same
// command: "timing" and every key with "seconds" in its name. What remains is identical for
// identical settings.
nlohmann::json without_measurements(const nlohmann::json& summary);

// Writes text to a file; throws l2o::Error naming the file.
void write_text_file(const std::string& path, const std::string& text);
}  // namespace l2o
