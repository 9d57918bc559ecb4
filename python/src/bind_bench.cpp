// `l2o bench` from Python: one panel on any projected data set (results as Python objects), or
// the tool's whole benchmark with its results directory.
#include <fmt/core.h>
#include <pybind11/stl.h>

#include <optional>

#include "bindings.hpp"
#include "json_convert.hpp"
#include "l2o/bench/bench_run.hpp"
#include "l2o/bench/results_io.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

struct EntriesAndTuned {
  std::vector<BenchEntry> entries;
  std::optional<TunedTable> tuned;
};

// The optimizers as `l2o bench --optimizers ... --policy NAME=FILE --tuned FILE` builds them.
EntriesAndTuned bench_optimizers(const py::object& optimizers, const py::object& policies, const std::string& tuned) {
  EntriesAndTuned out;
  const std::vector<std::string> names =
      optimizers.is_none() ? default_bench_optimizers() : optimizers.cast<std::vector<std::string>>();
  std::vector<std::pair<std::string, std::string>> pols;
  if (!policies.is_none())
    for (const auto& [label, file] : policies.cast<py::dict>())
      pols.emplace_back(label.cast<std::string>(), py::str(file).cast<std::string>());
  bool needs_tuned = false;
  for (const auto& n : names) needs_tuned |= is_hand_designed_optimizer(n);
  if (needs_tuned) out.tuned = TunedTable::load(resolve_tuned_path(tuned));
  out.entries = bench_entries(names, pols, out.tuned ? &*out.tuned : nullptr);
  return out;
}

py::dict curves_of(const PanelResult& panel) {
  py::dict curves;
  for (const auto& o : panel.optimizers) {
    py::dict c;
    c["iters"] = o.stats.iters;
    c["mean"] = o.stats.mean;
    c["std"] = o.stats.std;
    c["median"] = o.stats.median;
    c["q25"] = o.stats.q25;
    c["q75"] = o.stats.q75;
    c["runs"] = o.stats.runs;
    curves[py::str(o.label)] = c;
  }
  return curves;
}

py::dict bench_panel(const ProjectedDataset& data, const py::object& optimizers, const py::object& policies,
                     const std::string& tuned, const std::vector<int>& hidden, int batch, int iters, int seeds,
                     std::uint64_t first_seed, int eval_every, int jobs, long train_size, std::uint64_t subset_seed,
                     const std::string& reference, double divergence_factor) {
  EntriesAndTuned opt = bench_optimizers(optimizers, policies, tuned);
  PanelSpec spec;
  spec.experiment = "python";
  spec.dataset = data.name;
  spec.width = data.width;
  spec.hidden = hidden;
  spec.batch = batch;
  spec.iters = iters;
  BenchSettings s;
  s.seeds = seeds;
  s.first_seed = first_seed;
  s.eval_every = eval_every;
  s.jobs = jobs;
  s.projection_seed = data.projection_seed;
  s.train_size = train_size;
  s.subset_seed = subset_seed;
  s.reference = reference;
  s.divergence_factor = divergence_factor;
  PanelResult panel;
  {
    py::gil_scoped_release release;
    panel = run_panel(spec, data, opt.entries, s);
  }
  py::dict out = to_python(panel_summary_json(panel)).cast<py::dict>();
  out["curves"] = curves_of(panel);
  out["wall_seconds"] = panel.wall_seconds;
  return out;
}

py::dict bench(const std::string& experiment, const std::vector<std::string>& datasets, const py::object& optimizers,
               const py::object& policies, const std::string& tuned, const std::string& out_dir, int seeds, int jobs,
               int eval_every, const std::string& data_dir, bool plots) {
  panels_of(select_experiments(experiment), datasets);  // bad names fail before anything is read
  EntriesAndTuned opt = bench_optimizers(optimizers, policies, tuned);
  BenchConfig c;
  c.experiment = experiment;
  c.datasets = datasets;
  c.settings.seeds = seeds;
  c.settings.jobs = jobs;
  c.settings.eval_every = eval_every;
  if (opt.tuned) {
    c.tuned_file = opt.tuned->path();
    c.tuned = opt.tuned->json();
  }
  c.optimizers = opt.entries;
  c.data.data_dir = resolve_data_dir(data_dir);
  c.out_dir = out_dir;
  c.plots = plots;
  c.command = fmt::format("python: l2o.bench(experiment='{}')", experiment);
  BenchOutcome outcome;
  {
    py::gil_scoped_release release;
    outcome = run_bench(c);
  }
  py::dict out;
  out["summary"] = to_python(outcome.summary);
  py::list panels;
  for (const auto& p : outcome.panels) {
    if (p.missing) continue;
    py::dict d = to_python(panel_summary_json(p)).cast<py::dict>();
    d["curves"] = curves_of(p);
    panels.append(d);
  }
  out["panels"] = panels;
  out["wall_seconds"] = outcome.wall_seconds;
  return out;
}
}  // namespace

void bind_bench(py::module_& m) {
  m.def("bench_panel", &bench_panel, py::arg("data"), py::arg("optimizers") = py::none(),
        py::arg("policies") = py::none(), py::arg("tuned") = "", py::arg("hidden") = std::vector<int>{48},
        py::arg("batch") = 64, py::arg("iters") = 400, py::arg("seeds") = 3, py::arg("first_seed") = 1000,
        py::arg("eval_every") = 5, py::arg("jobs") = 1, py::arg("train_size") = 10000, py::arg("subset_seed") = 0,
        py::arg("reference") = "adam", py::arg("divergence_factor") = 100.0, R"doc(
One benchmark panel on a projected data set: every optimizer (names as `l2o bench --optimizers`;
hand-designed ones at their tuned values, learned ones with the shipped policy or policies={label: file})
with every seed, on an MLP width-hidden...-classes. Returns the panel's summary.json entry plus
"curves" ({label: {iters, mean, std, median, q25, q75, runs}}) and "wall_seconds".)doc");
  m.def("bench", &bench, py::arg("experiment") = "mnist", py::arg("datasets") = std::vector<std::string>{},
        py::arg("optimizers") = py::none(), py::arg("policies") = py::none(), py::arg("tuned") = "",
        py::arg("out_dir") = "results/bench", py::arg("seeds") = 10, py::arg("jobs") = 1, py::arg("eval_every") = 5,
        py::arg("data_dir") = "", py::arg("plots") = true, R"doc(
`l2o bench`: runs the experiment's panels and writes out_dir (CSVs, summary.json, plots, report.md).
Returns {"summary": summary.json, "panels": [entry + "curves"], "wall_seconds"}.)doc");
}
}  // namespace l2o::python
