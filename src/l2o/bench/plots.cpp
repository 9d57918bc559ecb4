#include "l2o/bench/plots.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/bench/results_io.hpp"
#include "l2o/core/error.hpp"
#include "l2o/task/mlp_task.hpp"

namespace l2o {

namespace {

// Colour-blind-safe-ish palette (Tableau 10 without its red, kept for L2LBGDBGD below, and its
// grey, too close to PSD's black); optimizers keep their colour across panels.
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                "#e377c2", "#bcbd22", "#17becf"};

// The learned optimizers of the paper are drawn in black (PSD) and red (L2LBGDBGD), thicker than
// the hand-designed ones, so that the method under test is found at a glance; every other label
// takes the next palette colour in order of appearance.
struct LineStyle {
  std::string colour;
  int width;
};
LineStyle style_of(const std::string& label, const std::vector<std::string>& all_labels) {
  if (label == "psd") return {"#000000", 3};
  if (label == "l2l") return {"#d62728", 3};
  std::size_t i = 0;
  for (const auto& l : all_labels) {
    if (l == label) break;
    if (l != "psd" && l != "l2l") ++i;
  }
  return {kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))], 2};
}

// A gnuplot single-quoted string: a quote is written twice.
std::string gp_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

// A POSIX shell single-quoted word.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string panel_title(const PanelResult& p) {
  return fmt::format("{}: {}, {}, batch {}{}", p.spec.experiment, p.missing ? p.spec.dataset : p.dataset_display,
                     p.missing ? p.spec.arch_template() : arch_to_string(p.arch), p.spec.batch,
                     p.tuning == "per-task" ? " (tuned per task)" : "");
}

// Tick marks for a log axis over [lo, hi]: round mantissas per decade when the range spans a
// decade or more, else evenly spaced round values (gnuplot would label only the decades, i.e.
// often none).
std::vector<double> log_axis_ticks(double lo, double hi) {
  std::vector<double> ticks;
  if (!(lo > 0.0) || !(hi > lo)) return ticks;
  if (hi / lo >= 10.0) {
    // Over one or two decades 1-2-5 leaves too few labels: use finer mantissas.
    const std::vector<double> mantissas =
        hi / lo >= 100.0 ? std::vector<double>{1, 2, 5} : std::vector<double>{1, 1.5, 2, 3, 5, 7};
    for (int d = static_cast<int>(std::floor(std::log10(lo))); d <= static_cast<int>(std::ceil(std::log10(hi))); ++d)
      for (double m : mantissas) {
        const double v = m * std::pow(10.0, d);
        if (v >= lo && v <= hi) ticks.push_back(v);
      }
    return ticks;
  }
  const double raw = (hi - lo) / 6.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10.0 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi * (1 + 1e-12); v += step) ticks.push_back(v);
  return ticks;
}

// The y range of a panel: all means and quartiles, capped at 3x the initial objective so that a
// diverging optimizer (whose objective can reach 1e200 before it turns non-finite) leaves the top
// of the plot instead of flattening every other curve.
std::pair<double, double> y_range(const PanelResult& p) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0, init = 0.0;
  for (const auto& o : p.optimizers) {
    if (!o.stats.mean.empty() && std::isfinite(o.stats.mean[0])) init = std::max(init, o.stats.mean[0]);
    for (const auto* v : {&o.stats.mean, &o.stats.q25, &o.stats.q75})
      for (double x : *v)
        if (std::isfinite(x) && x > 0.0) {
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        }
  }
  if (init > 0.0) hi = std::min(hi, 3.0 * init);
  if (!(hi > lo)) return {0.0, 0.0};
  return {lo / 1.03, hi * 1.03};
}

// The range and tick marks of a log axis ("x" or "y") over [lo, hi]; automatic if it is empty.
std::string log_axis(const std::string& axis, double lo, double hi) {
  if (!(hi > lo)) return fmt::format("set autoscale {0}\nset {0}tics autofreq\n", axis);
  std::string tics;
  for (double t : log_axis_ticks(lo, hi)) {
    if (!tics.empty()) tics += ", ";
    tics += fmt::format("{:.6g}", t);
  }
  return fmt::format("set {0}range [{1:.6g}:{2:.6g}]\nset {0}tics ({3})\nset format {0} '%g'\n", axis, lo, hi, tics);
}

// The x range of the objective-vs-seconds figure: the positive mean cumulative seconds of every
// optimizer, widened a little ({0, 0} when no optimizer's seconds are known).
std::pair<double, double> seconds_range(const PanelResult& p) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const auto& o : p.optimizers)
    for (double x : o.stats.seconds)
      if (std::isfinite(x) && x > 0.0) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
  if (!(hi > lo)) return {0.0, 0.0};
  return {lo / 1.1, hi * 1.1};
}

// Whether an optimizer's mean cumulative seconds are known (they are for all its points or none).
bool has_seconds(const OptimizerOutcome& o) {
  return std::any_of(o.stats.seconds.begin(), o.stats.seconds.end(), [](double x) { return std::isfinite(x); });
}

// The plot commands for one panel (axes settings included), without terminal and output.
std::string panel_body(const PanelResult& p, const std::vector<std::string>& all_labels, bool small) {
  std::ostringstream s;
  s << "set datafile separator ','\n";
  s << "unset label\n";
  s << "set border\nset tics\n";
  s << "set logscale y\n";
  s << "set xrange [0:" << p.spec.iters << "]\n";
  const auto [lo, hi] = y_range(p);
  s << log_axis("y", lo, hi);
  s << "set xlabel 'iteration'\n";
  s << "set ylabel 'true objective'\n";
  s << "set title " << gp_quote(panel_title(p)) << "\n";
  s << "set style fill transparent solid 0.15 noborder\n";
  s << (small ? "set key top right font ',8' samplen 2 spacing 0.9\n" : "set key outside right top\n");
  const std::string csv = gp_quote(p.file_stem() + ".csv");
  std::vector<std::string> parts;
  for (std::size_t j = 0; j < p.optimizers.size(); ++j) {
    const int base = 2 + kCsvColumnsPerOptimizer * static_cast<int>(j);  // mean column
    const LineStyle style = style_of(p.optimizers[j].label, all_labels);
    parts.push_back(fmt::format("{} using 1:{}:{} with filledcurves lc rgb '{}' notitle", csv, base + 3, base + 4,
                                style.colour));
    parts.push_back(fmt::format("{} using 1:{} with lines lw {} lc rgb '{}' title {}", csv, base, style.width,
                                style.colour, gp_quote(p.optimizers[j].label)));
  }
  s << "plot ";
  for (std::size_t i = 0; i < parts.size(); ++i) s << (i ? ", \\\n     " : "") << parts[i];
  s << "\n";
  return s.str();
}

// The objective against the mean cumulative seconds (<panel>_seconds.csv), one line and band per
// optimizer whose seconds are known. Both axes are logarithmic: a learned optimizer's step costs
// tens of hand-designed ones, and on a linear axis the cheap optimizers' curves would be squeezed
// against the left edge. Iteration 0 (at 0 seconds) has no place on a log axis and is left out.
std::string seconds_body(const PanelResult& p, const std::vector<std::string>& all_labels) {
  std::ostringstream s;
  s << "set datafile separator ','\n";
  s << "unset label\n";
  s << "set border\nset tics\n";
  s << "set logscale xy\n";
  const auto [xlo, xhi] = seconds_range(p);
  s << log_axis("x", xlo, xhi);
  const auto [ylo, yhi] = y_range(p);
  s << log_axis("y", ylo, yhi);
  s << "set xlabel 'seconds of minibatch gradients and optimizer steps (mean over runs)'\n";
  s << "set ylabel 'true objective'\n";
  s << "set title " << gp_quote(panel_title(p) + ": objective vs seconds") << "\n";
  s << "set style fill transparent solid 0.15 noborder\n";
  s << "set key outside right top\n";
  const std::string csv = gp_quote(p.seconds_stem() + ".csv");
  std::vector<std::string> parts;
  for (std::size_t j = 0; j < p.optimizers.size(); ++j) {
    if (!has_seconds(p.optimizers[j])) continue;
    const int col = 2 + kSecondsCsvColumnsPerOptimizer * static_cast<int>(j);  // seconds column
    // 0 seconds made undefined explicitly: gnuplot's filled band would otherwise run from it to the axis.
    const std::string x = fmt::format("(${0} > 0 ? ${0} : NaN)", col);
    const LineStyle style = style_of(p.optimizers[j].label, all_labels);
    parts.push_back(fmt::format("{} using {}:{}:{} with filledcurves lc rgb '{}' notitle", csv, x, col + 2, col + 3,
                                style.colour));
    parts.push_back(fmt::format("{} using {}:{} with lines lw {} lc rgb '{}' title {}", csv, x, col + 1, style.width,
                                style.colour, gp_quote(p.optimizers[j].label)));
  }
  s << "plot ";
  for (std::size_t i = 0; i < parts.size(); ++i) s << (i ? ", \\\n     " : "") << parts[i];
  s << "\n";
  return s.str();
}

// An empty cell of a multiplot, optionally with a message (a missing panel's reason).
std::string empty_body(const std::string& title, const std::string& message) {
  std::ostringstream s;
  s << "unset logscale y\nunset xlabel\nunset ylabel\nunset border\nunset tics\nunset key\n";
  s << "set xrange [0:1]\nset yrange [0:1]\n";
  s << "set title " << gp_quote(title) << "\n";
  if (!message.empty()) {
    // Wrap long reasons over a few lines.
    std::string wrapped, line;
    std::istringstream words(message);
    std::string w;
    while (words >> w) {
      if (line.size() + w.size() > 45) {
        wrapped += line + "\\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + w;
    }
    wrapped += line;
    std::string escaped;  // double-quoted so that \n breaks lines
    for (char c : wrapped) escaped += (c == '"') ? std::string("\\\"") : std::string(1, c);
    s << "set label 1 \"" << escaped << "\" at 0.5,0.5 center font ',8'\n";
  }
  s << "plot NaN notitle\nunset label 1\nset yrange [*:*]\n";
  return s.str();
}

std::string two_terminals(const std::string& stem, int width, int height, const std::string& body) {
  std::ostringstream s;
  s << "# Rendered by l2o bench; re-render with `gnuplot plots/" << stem << ".gp` from the results directory.\n";
  s << fmt::format("set terminal pngcairo size {},{} noenhanced font 'Sans,10'\n", width, height);
  s << "set output " << gp_quote("plots/" + stem + ".png") << "\n" << body;
  s << "unset output\n";
  s << fmt::format("set terminal svg size {},{} noenhanced font 'Sans,10' background '#ffffff'\n", width, height);
  s << "set output " << gp_quote("plots/" + stem + ".svg") << "\n" << body;
  s << "unset output\n";
  return s.str();
}
}  // namespace

std::string panel_plot_script(const PanelResult& panel, const std::vector<std::string>& all_labels) {
  return two_terminals(panel.file_stem(), 900, 560, panel_body(panel, all_labels, false));
}

std::string panel_seconds_plot_script(const PanelResult& panel, const std::vector<std::string>& all_labels) {
  if (std::none_of(panel.optimizers.begin(), panel.optimizers.end(), has_seconds)) return "";
  return two_terminals(panel.seconds_stem(), 900, 560, seconds_body(panel, all_labels));
}

std::string combined_plot_script(const std::vector<PanelResult>& panels, const std::string& tuning,
                                 const std::vector<std::string>& all_labels, const std::string& stem) {
  // Rows: the experiments in catalogue order, each data set in its own column; the single-data-set
  // experiments (mnist, fashion-mnist) share one row.
  std::vector<std::vector<const PanelResult*>> rows;
  std::vector<const PanelResult*> single_row;
  for (const auto& e : experiment_catalog()) {
    std::vector<const PanelResult*> row(e.datasets.size(), nullptr);
    bool any = false;
    for (std::size_t d = 0; d < e.datasets.size(); ++d)
      for (const auto& p : panels)
        if (p.tuning == tuning && p.spec.experiment == e.name && p.spec.dataset == e.datasets[d]) {
          row[d] = &p;
          any = true;
        }
    if (!any) continue;
    if (e.datasets.size() == 1)
      single_row.push_back(row[0]);
    else
      rows.push_back(row);
  }
  if (!single_row.empty()) rows.push_back(single_row);
  if (rows.empty()) return "";
  std::ostringstream body;
  body << fmt::format("set multiplot layout {},3 title {}\n", rows.size(),
                      gp_quote(tuning == "per-task" ? "true objective vs iteration (hyper-parameters tuned per task)"
                                                    : "true objective vs iteration (hyper-parameters tuned on MNIST)"));
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < 3; ++c) {
      if (c >= row.size() || row[c] == nullptr) {
        body << empty_body("", "");
        continue;
      }
      const PanelResult& p = *row[c];
      body << (p.missing ? empty_body(panel_title(p), "missing: " + p.missing_reason) : panel_body(p, all_labels, true));
    }
  }
  body << "unset multiplot\n";
  return two_terminals(stem, 1500, 380 * static_cast<int>(rows.size()) + 40, body.str());
}

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

PlotOutcome write_plots(const std::string& out_dir, const std::vector<PanelResult>& panels, bool render) {
  PlotOutcome outcome;
  namespace fs = std::filesystem;
  fs::create_directories(fs::path(out_dir) / "plots");
  std::vector<std::string> labels;
  for (const auto& p : panels)
    for (const auto& o : p.optimizers)
      if (std::find(labels.begin(), labels.end(), o.label) == labels.end()) labels.push_back(o.label);

  std::vector<std::string> stems;
  for (const auto& p : panels) {
    if (p.missing) continue;
    write_text_file((fs::path(out_dir) / "plots" / (p.file_stem() + ".gp")).string(), panel_plot_script(p, labels));
    stems.push_back(p.file_stem());
    const std::string seconds = panel_seconds_plot_script(p, labels);
    if (seconds.empty()) continue;  // no optimizer's seconds are known (an old run store): nothing to draw
    write_text_file((fs::path(out_dir) / "plots" / (p.seconds_stem() + ".gp")).string(), seconds);
    stems.push_back(p.seconds_stem());
  }
  for (const std::string tuning : {"mnist", "per-task"}) {
    const std::string stem = tuning == "mnist" ? "combined" : "combined_per-task";
    const std::string script = combined_plot_script(panels, tuning, labels, stem);
    if (script.empty()) continue;
    write_text_file((fs::path(out_dir) / "plots" / (stem + ".gp")).string(), script);
    stems.push_back(stem);
  }
  if (!render) return outcome;
  if (!gnuplot_available()) {
    outcome.warnings.push_back("gnuplot was not found: figures were not rendered (the scripts are in plots/)");
    return outcome;
  }
  for (const auto& stem : stems) {
    const std::string log = "plots/" + stem + ".log";
    const std::string cmd = fmt::format("cd {} && gnuplot {} >{} 2>&1", sh_quote(out_dir), sh_quote("plots/" + stem + ".gp"),
                                        sh_quote(log));
    if (std::system(cmd.c_str()) != 0) {
      outcome.warnings.push_back(fmt::format("gnuplot failed on plots/{}.gp (see {})", stem, log));
      continue;
    }
    std::error_code ec;
    fs::remove(fs::path(out_dir) / log, ec);  // nothing to keep from a successful run
    outcome.figures.push_back("plots/" + stem + ".png");
    outcome.figures.push_back("plots/" + stem + ".svg");
  }
  return outcome;
}
}  // namespace l2o
