// l2o._native.PsdSmallStepper: psd-small's fused step on the memory of torch tensors
// (l2o.torch.PSDSmall). Python passes, per coordinate group, the addresses of the parameter, its
// gradient (float32 or float64, contiguous), the group's moments (4n float32) and its gradient-RMS
// EMA (one float64), all owned by torch; the step updates them in place, with no copy through a
// float64 buffer (docs/psd-small.md, "Runtime"). The addresses come from tensor.data_ptr(), checked
// on the Python side (device, dtype, contiguity, sizes); here only the shapes are checked.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/core.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "bindings.hpp"
#include "l2o/core/error.hpp"
#include "l2o/psd_small/small_group_stepper.hpp"

namespace py = pybind11;

namespace l2o::python {
namespace {

// One group's memory: (x, g, moments, grad_rms_ema) addresses and whether x and g are float64.
using GroupMemory = std::tuple<std::uintptr_t, std::uintptr_t, std::uintptr_t, std::uintptr_t, bool>;

class BoundPsdSmall {
 public:
  BoundPsdSmall(const std::string& policy_path, int threads)
      : stepper_(std::make_shared<const PsdSmallPolicy>(PsdSmallPolicy::load(policy_path)), threads) {}

  void init(const ParamLayout& layout) {
    layout_ = layout;
    roles_.clear();
    for (const auto& g : layout.groups)
      roles_.push_back(PsdSmallRole::of(g, layout.groups.size(), stepper_.policy().arch().reference_fan_in));
  }

  // One step: `groups[i]` is the memory of layout group `indices[i]` (groups without a gradient are
  // left out). Every group's sums of squares come first (the step reuses them), so a NaN or Inf in
  // any gradient or parameter changes nothing, as in PsdSmallOptimizer.
  void step(double loss, Index batch, const std::vector<std::size_t>& indices, const std::vector<GroupMemory>& groups) {
    if (indices.size() != groups.size()) throw Error("PSDSmall: one memory entry per stepped group");
    for (std::size_t i : indices)
      if (i >= roles_.size()) throw Error(fmt::format("PSDSmall: no group {} in the layout", i));
    py::gil_scoped_release release;  // the step touches no Python object
    squares_.resize(groups.size());
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const auto& [x, g, m, e, f64] = groups[k];
      (void)m, (void)e;
      const Index n = layout_.groups[indices[k]].size();
      squares_[k] = f64 ? stepper_.squares(n, reinterpret_cast<const double*>(x), reinterpret_cast<const double*>(g))
                        : stepper_.squares(n, reinterpret_cast<const float*>(x), reinterpret_cast<const float*>(g));
      if (!std::isfinite(squares_[k].g) || !std::isfinite(squares_[k].x))
        throw DivergenceError(fmt::format("PSDSmall: the {} of {} holds a NaN or Inf; nothing was stepped",
                                          std::isfinite(squares_[k].g) ? "parameter" : "gradient",
                                          layout_.groups[indices[k]].name));
    }
    stepper_.begin_step(loss, batch);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const auto& [x, g, m, e, f64] = groups[k];
      const Index n = layout_.groups[indices[k]].size();
      auto* moments = reinterpret_cast<float*>(m);
      auto& ema = *reinterpret_cast<double*>(e);
      if (f64)
        stepper_.step_group_in_place(roles_[indices[k]], squares_[k], n, reinterpret_cast<double*>(x),
                                     reinterpret_cast<const double*>(g), moments, ema);
      else
        stepper_.step_group_in_place(roles_[indices[k]], squares_[k], n, reinterpret_cast<float*>(x),
                                     reinterpret_cast<const float*>(g), moments, ema);
    }
  }

  py::dict clock() const {
    const PsdSmallClock& c = stepper_.clock();
    py::dict d;
    d["t"] = c.t;
    d["loss_first"] = c.loss_first;
    d["loss_last"] = c.loss_last;
    d["loss_ema_fast"] = c.loss_ema_fast;
    d["loss_ema_slow"] = c.loss_ema_slow;
    return d;
  }
  void set_clock(const py::dict& d) {
    PsdSmallClock c;
    c.t = d["t"].cast<long long>();
    c.loss_first = d["loss_first"].cast<double>();
    c.loss_last = d["loss_last"].cast<double>();
    c.loss_ema_fast = d["loss_ema_fast"].cast<double>();
    c.loss_ema_slow = d["loss_ema_slow"].cast<double>();
    if (c.t < 0) throw Error("PSDSmall state: a negative step count");
    stepper_.set_clock(c);
  }
  std::string fingerprint() const { return stepper_.policy().fingerprint(); }

 private:
  PsdSmallStepper stepper_;
  ParamLayout layout_;
  std::vector<PsdSmallRole> roles_;
  std::vector<PsdSmallSquares> squares_;  // per stepped group, this step
};

}  // namespace

void bind_psd_small(py::module_& m) {
  py::class_<BoundPsdSmall>(m, "PsdSmallStepper",
                            "psd-small's fused step on raw memory (used by l2o.torch.PSDSmall; docs/psd-small.md)")
      .def(py::init<const std::string&, int>(), py::arg("policy"), py::arg("threads") = 1)
      .def("init", &BoundPsdSmall::init, py::arg("layout"))
      .def("step", &BoundPsdSmall::step, py::arg("loss"), py::arg("batch"), py::arg("indices"), py::arg("groups"))
      .def_property("clock", &BoundPsdSmall::clock, &BoundPsdSmall::set_clock)
      .def_property_readonly("fingerprint", &BoundPsdSmall::fingerprint);
  m.def(
      "write_psd_small_policy",
      [](const std::string& path, double lr, const std::vector<Index>& hidden, const std::string& activation,
         std::uint64_t seed, double readout_std) {
        if (!(std::isfinite(lr) && lr > 0)) throw Error(fmt::format("lr: must be a finite number > 0, got {}", lr));
        if (!(std::isfinite(readout_std) && readout_std >= 0))
          throw Error(fmt::format("readout_std: must be a finite number >= 0, got {}", readout_std));
        PsdSmallArchitecture arch;
        arch.hidden = hidden;
        arch.activation = parse_small_activation(activation, "activation");
        arch.validate("hidden");
        const PsdSmallPolicy p = readout_std > 0 ? PsdSmallPolicy::fresh(arch, seed, lr, readout_std)
                                                 : PsdSmallPolicy::adam_equivalent(arch, lr, seed);
        Provenance prov;
        prov.command = "l2o.write_psd_small_policy";
        prov.seed = seed;
        prov.date = utc_timestamp();
        p.save(path, prov);
      },
      py::arg("path"), py::arg("lr") = 1e-3, py::arg("hidden") = std::vector<Index>{8, 8}, py::arg("activation") = "relu",
      py::arg("seed") = 0, py::arg("readout_std") = 0.0,
      "Writes a psd-small policy: with readout_std = 0 it steps exactly like Adam at lr (as `l2o policy new-small`), "
      "else its read-out is drawn with that standard deviation (an untrained policy, for tests).");
}

}  // namespace l2o::python
