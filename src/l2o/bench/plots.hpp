#pragma once
// Figures rendered from the panel CSVs with gnuplot: per panel, the true objective (log scale)
// against the iteration, one line per optimizer (the mean over seeds) with a band from the 25th to
// the 75th percentile; the same against the mean cumulative seconds (<panel>_seconds.png); and a
// combined figure laid out like the paper's, one row of the three data set panels per experiment.
// The gnuplot scripts are kept beside the figures so that a figure can be re-rendered
// (`cd DIR && gnuplot plots/NAME.gp`).
#include <string>
#include <vector>

#include "l2o/bench/experiment.hpp"

namespace l2o {

// The script for one panel; paths in it are relative to the output directory.
std::string panel_plot_script(const PanelResult& panel, const std::vector<std::string>& all_labels);

// The script of a panel's figure of the true objective against the mean cumulative seconds (log
// scales; reads <panel>_seconds.csv, results_io.hpp), or "" when no optimizer's seconds are known.
std::string panel_seconds_plot_script(const PanelResult& panel, const std::vector<std::string>& all_labels);

// The combined figure of the panels with the given tuning ("mnist" or "per-task"); missing panels
// show their reason. Rows: fig1..fig5 present, then one row for the MNIST / Fashion-MNIST panels.
std::string combined_plot_script(const std::vector<PanelResult>& panels, const std::string& tuning,
                                 const std::vector<std::string>& all_labels, const std::string& stem);

struct PlotOutcome {
  std::vector<std::string> figures;   // written image files, relative to the output directory
  std::vector<std::string> warnings;  // why figures are missing, if any
};

// Writes every script under <out_dir>/plots and, if `render`, runs gnuplot on them. A missing or
// failing gnuplot gives warnings, not an error: the data files are the results.
PlotOutcome write_plots(const std::string& out_dir, const std::vector<PanelResult>& panels, bool render);

// Whether gnuplot can be run.
bool gnuplot_available();
}  // namespace l2o
