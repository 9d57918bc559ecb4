// The results files of a panel: CSV layout and values, summary.json with missing panels, gnuplot
// scripts (and figures when gnuplot is installed), report.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "l2o/bench/experiment.hpp"
#include "l2o/bench/plots.hpp"
#include "l2o/bench/report.hpp"
#include "l2o/bench/results_io.hpp"
#include "support/synthetic_data.hpp"

using namespace l2o;
namespace fs = std::filesystem;

namespace {
PanelResult tiny_panel() {
  const auto data = test_support::synthetic_dataset(8, 3, 150, 30);
  BenchSettings s;
  s.seeds = 2;
  s.eval_every = 5;
  s.jobs = 2;
  s.train_size = -1;
  PanelResult p = run_panel({"fig1", "tfd", 8, {8}, 16, 20}, data,
                            {{"sgd", {"sgd", {{"lr", 0.1}}, ""}}, {"adam", {"adam", {{"lr", 0.01}}, ""}},
                             {"sgd-huge", {"sgd", {{"lr", 1e300}}, ""}}},
                            s);
  return p;
}

PanelResult missing_panel() {
  PanelResult m;
  m.spec = {"fig1", "cifar100", 48, {48}, 64, 400};
  m.missing = true;
  m.missing_reason = "data set 'cifar100' not found: data/cifar-100-binary/train.bin is missing";
  return m;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(L2O_BINARY_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST(PanelCsv, OneRowPerEvaluatedIterationWithSixColumnsPerOptimizer) {
  const PanelResult p = tiny_panel();
  const fs::path dir = fresh_dir("bench_test_csv");
  write_panel_csv((dir / "fig1_tfd.csv").string(), p);
  std::ifstream in(dir / "fig1_tfd.csv");
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  ASSERT_EQ(header.size(), 1u + 3u * kCsvColumnsPerOptimizer);
  EXPECT_EQ(header[0], "iter");
  EXPECT_EQ(header[1], "sgd_mean");
  EXPECT_EQ(header[6], "sgd_runs");
  EXPECT_EQ(header[7], "adam_mean");
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(split(line));
  ASSERT_EQ(rows.size(), 5u);  // 0, 5, 10, 15, 20
  EXPECT_EQ(rows[0][0], "0");
  EXPECT_EQ(rows[4][0], "20");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), header.size());
    EXPECT_NEAR(std::stod(rows[r][1]), p.optimizers[0].stats.mean[r], 1e-9 * p.optimizers[0].stats.mean[r]);
    EXPECT_NEAR(std::stod(rows[r][3]), p.optimizers[0].stats.median[r], 1e-9 * p.optimizers[0].stats.median[r]);
    EXPECT_EQ(rows[r][6], "2");
  }
  // The diverged optimizer has empty statistics and 0 runs once no run is alive.
  EXPECT_EQ(rows[4][13], "");
  EXPECT_EQ(rows[4][18], "0");
}

TEST(SummaryJson, ListsMissingPanelsWithTheirReasonSeparately) {
  const std::vector<PanelResult> panels{tiny_panel(), missing_panel()};
  const nlohmann::json s = summary_json(panels, {{"seeds", 2}}, {{"wall_seconds", 1.0}});
  ASSERT_EQ(s["panels"].size(), 1u);
  ASSERT_EQ(s["missing"].size(), 1u);
  EXPECT_EQ(s["missing"][0]["dataset"], "cifar100");
  EXPECT_EQ(s["missing"][0]["arch"], "48-48-p");
  EXPECT_NE(s["missing"][0]["reason"].get<std::string>().find("train.bin is missing"), std::string::npos);
  EXPECT_EQ(s["panels"][0]["tuning"], "mnist");
  EXPECT_EQ(s["panels"][0]["csv"], "fig1_tfd.csv");
  // Measured seconds beside the iteration speed-ups; none for an optimizer whose runs all diverged.
  for (int k : {0, 1}) {
    const auto& o = s["panels"][0]["optimizers"][k];
    const auto& speedup = o.contains("speedup_over_adam_seconds_more_than") ? o["speedup_over_adam_seconds_more_than"]
                                                                             : o["speedup_over_adam_seconds"];
    EXPECT_GT(speedup.get<double>(), 0.0) << o.dump();
    EXPECT_GT(o["seconds_per_iteration"].get<double>(), 0.0) << o.dump();
  }
  const auto& huge = s["panels"][0]["optimizers"][2];
  EXPECT_EQ(huge["diverged_runs"], 2);
  EXPECT_TRUE(huge["speedup_over_adam_seconds"].is_null());
  EXPECT_TRUE(huge["seconds_per_iteration"].is_null());
  EXPECT_FALSE(huge.contains("seconds_note")) << "nothing to speed up, not unknown seconds";
}

// The learned optimizers stand out (PSD black, L2LBGDBGD red, both thicker); the others take the
// palette in order of appearance, the same colour in every panel.
TEST(Plots, LearnedOptimizersAreDrawnThickInTheirOwnColours) {
  PanelResult p = tiny_panel();
  p.optimizers[0].label = "psd";
  p.optimizers[1].label = "adam";
  const std::string script = panel_plot_script(p, {"psd", "l2l", "adam"});
  EXPECT_NE(script.find("using 1:2 with lines lw 3 lc rgb '#000000' title 'psd'"), std::string::npos) << script;
  EXPECT_NE(script.find("using 1:8 with lines lw 2 lc rgb '#1f77b4' title 'adam'"), std::string::npos) << script;
  p.optimizers[0].label = "l2l";
  EXPECT_NE(panel_plot_script(p, {"psd", "l2l", "adam"}).find("lw 3 lc rgb '#d62728' title 'l2l'"), std::string::npos);
}

TEST(Plots, ScriptsReferTheCsvColumnsAndRenderWhenGnuplotIsThere) {
  const std::vector<PanelResult> panels{tiny_panel(), missing_panel()};
  const fs::path dir = fresh_dir("bench_test_plots");
  write_panel_csv((dir / "fig1_tfd.csv").string(), panels[0]);
  write_panel_seconds_csv((dir / "fig1_tfd_seconds.csv").string(), panels[0]);
  const std::vector<std::string> labels{"sgd", "adam", "sgd-huge"};
  const std::string script = panel_plot_script(panels[0], labels);
  EXPECT_NE(script.find("set logscale y"), std::string::npos);
  EXPECT_NE(script.find("'fig1_tfd.csv' using 1:2 with lines"), std::string::npos) << script;   // sgd mean
  EXPECT_NE(script.find("'fig1_tfd.csv' using 1:5:6 with filledcurves"), std::string::npos);    // sgd 25-75%
  EXPECT_NE(script.find("'fig1_tfd.csv' using 1:8 with lines"), std::string::npos);             // adam mean
  const std::string combined = combined_plot_script(panels, "mnist", labels, "combined");
  EXPECT_NE(combined.find("set multiplot layout 1,3"), std::string::npos) << combined;
  EXPECT_NE(combined.find("missing: data set 'cifar100'"), std::string::npos);

  const PlotOutcome out = write_plots(dir.string(), panels, gnuplot_available());
  EXPECT_TRUE(fs::exists(dir / "plots" / "fig1_tfd.gp"));
  EXPECT_TRUE(fs::exists(dir / "plots" / "combined.gp"));
  EXPECT_TRUE(fs::exists(dir / "plots" / "fig1_tfd_seconds.gp"));
  if (gnuplot_available()) {
    EXPECT_TRUE(out.warnings.empty()) << out.warnings.front();
    for (const char* f : {"plots/fig1_tfd.png", "plots/fig1_tfd.svg", "plots/combined.png", "plots/combined.svg",
                          "plots/fig1_tfd_seconds.png", "plots/fig1_tfd_seconds.svg"}) {
      EXPECT_TRUE(fs::exists(dir / f)) << f;
      EXPECT_GT(fs::file_size(dir / f), 1000u) << f;
    }
    EXPECT_EQ(read(dir / "plots" / "fig1_tfd.png").substr(1, 3), "PNG");
  }
}

TEST(Report, QuotesTheTablesSettingsAndMissingPanels) {
  const std::vector<PanelResult> panels{tiny_panel(), missing_panel()};
  ReportInfo info;
  info.command = "l2o bench --experiment fig1 --seeds 2 --out results/x";
  info.settings = {{"seeds", 2}, {"first_seed", 1000}, {"eval_every", 5}, {"train_size", -1}};
  info.tuned = {{"command", "l2o tune --seeds 5"},
                {"settings", {{"dataset", "mnist"}, {"arch", "48-48-10"}, {"batch", 64}, {"iters", 400}}},
                {"optimizers", {{"sgd", {{"hyper", {{"lr", 0.316}}}, {"meta_loss_mean", 123.4}}}}}};
  info.plots.figures = {"plots/fig1_tfd.png", "plots/combined.png"};
  const std::string md = render_report(panels, info);
  EXPECT_NE(md.find("l2o bench --experiment fig1 --seeds 2 --out results/x"), std::string::npos);
  EXPECT_NE(md.find("l2o tune --seeds 5"), std::string::npos);
  EXPECT_NE(md.find("![fig1_tfd](plots/fig1_tfd.png)"), std::string::npos);
  EXPECT_NE(md.find("![combined figure](plots/combined.png)"), std::string::npos);
  EXPECT_NE(md.find("| sgd | lr=0.316 | 123.4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 3 | sgd-huge |"), std::string::npos) << "the diverged optimizer ranks last";
  EXPECT_NE(md.find("| 2/2 |"), std::string::npos) << "its divergence count";
  EXPECT_NE(md.find("## Missing panels"), std::string::npos);
  EXPECT_NE(md.find("train.bin is missing"), std::string::npos);
  EXPECT_EQ(format_number(0.000123456, 3), "0.000123");
  EXPECT_EQ(format_number(std::nan("")), "—");
}
