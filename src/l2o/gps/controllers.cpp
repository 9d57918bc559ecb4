#include "l2o/gps/controllers.hpp"

#include <fmt/core.h>

#include <cmath>

#include "l2o/core/error.hpp"
#include "l2o/core/rng.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/psd/psd_optimizer.hpp"

namespace l2o::gps {
namespace {

class PsiController final : public Controller {
 public:
  PsiController(const ParamLayout& layout, const std::vector<LinearGaussianPolicy>& psi, std::uint64_t seed,
                bool noise)
      : layout_(layout), psi_(psi), rng_(seed, "psi-noise"), noise_(noise) {
    if (psi.size() != layout.groups.size())
      throw Error(fmt::format("psi controller: {} policies for {} coordinate groups", psi.size(), layout.groups.size()));
  }
  void act(const StepView& v, Vec& delta) override {
    delta.resize(layout_.dim);
    for (std::size_t g = 0; g < layout_.groups.size(); ++g) {
      const CoordinateGroup& grp = layout_.groups[g];
      const LinearGaussianPolicy& p = psi_[g];
      if (v.t >= p.steps()) throw Error(fmt::format("psi controller: policy has {} steps, asked for step {}", p.steps(), v.t));
      gps_state_rows(v.x, v.true_grad, v.adaptive, v.phi, grp, rows_);
      if (rows_.cols() != p.state_dim())
        throw Error(fmt::format("psi controller: state has {} dimensions, policy {}", rows_.cols(), p.state_dim()));
      const double sd = std::sqrt(p.cov[static_cast<std::size_t>(v.t)](0, 0));
      auto seg = delta.segment(grp.offset, grp.size());
      seg = rows_ * p.K[static_cast<std::size_t>(v.t)].row(0).transpose();
      seg.array() += p.k[static_cast<std::size_t>(v.t)][0];
      if (noise_)
        for (Index i = 0; i < grp.size(); ++i) seg[i] += sd * rng_.normal();
    }
  }

 private:
  const ParamLayout& layout_;
  const std::vector<LinearGaussianPolicy>& psi_;
  Rng rng_;
  bool noise_;
  Mat rows_;
};

class OptimizerController final : public Controller {
 public:
  OptimizerController(const ParamLayout& layout, OptimizerPtr opt) : opt_(std::move(opt)) { opt_->init(layout); }
  void act(const StepView& v, Vec& delta) override {
    opt_->step({v.x, v.minibatch_loss, v.minibatch_grad, nullptr}, delta);
  }

 private:
  OptimizerPtr opt_;
};

// The wrapped optimizer's step plus seeded Gaussian noise per group. The noise enters the
// iterate, so the PSD features of the next step (O3 uses x_t - x_{t-1}) see the step taken.
class NoisyController final : public Controller {
 public:
  NoisyController(const ParamLayout& layout, OptimizerPtr opt, std::vector<double> noise_var, std::uint64_t seed)
      : layout_(layout), opt_(std::move(opt)), sd_(noise_var.size()), rng_(seed, "pi-noise") {
    if (noise_var.size() != layout.groups.size())
      throw Error(fmt::format("noisy pi controller: {} noise variances for {} coordinate groups", noise_var.size(),
                              layout.groups.size()));
    for (std::size_t g = 0; g < noise_var.size(); ++g) {
      if (!(noise_var[g] >= 0) || !std::isfinite(noise_var[g]))
        throw Error(fmt::format("noisy pi controller: noise variance {} of group {} is not a finite number >= 0",
                                noise_var[g], layout.groups[g].name));
      sd_[g] = std::sqrt(noise_var[g]);
    }
    opt_->init(layout);
  }
  void act(const StepView& v, Vec& delta) override {
    opt_->step({v.x, v.minibatch_loss, v.minibatch_grad, nullptr}, delta);
    for (std::size_t g = 0; g < layout_.groups.size(); ++g) {
      if (sd_[g] == 0.0) continue;
      const CoordinateGroup& grp = layout_.groups[g];
      for (Index i = 0; i < grp.size(); ++i) delta[grp.offset + i] += sd_[g] * rng_.normal();
    }
  }

 private:
  const ParamLayout& layout_;
  OptimizerPtr opt_;
  std::vector<double> sd_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<Controller> make_noisy_pi_controller(const ParamLayout& layout, std::shared_ptr<const PsdPolicy> policy,
                                                     std::vector<double> noise_var, std::uint64_t noise_seed) {
  return std::make_unique<NoisyController>(layout, make_psd(std::move(policy)), std::move(noise_var), noise_seed);
}

std::unique_ptr<Controller> make_psi_controller(const ParamLayout& layout, const std::vector<LinearGaussianPolicy>& psi,
                                                std::uint64_t noise_seed, bool noise) {
  return std::make_unique<PsiController>(layout, psi, noise_seed, noise);
}

std::unique_ptr<Controller> make_pi_controller(const ParamLayout& layout, std::shared_ptr<const PsdPolicy> policy) {
  return std::make_unique<OptimizerController>(layout, make_psd(std::move(policy)));
}

std::unique_ptr<Controller> make_hand_designed_controller(const ParamLayout& layout, const std::string& name,
                                                          const nlohmann::json& hyper) {
  return std::make_unique<OptimizerController>(layout, make_hand_designed(name, hyper));
}

}  // namespace l2o::gps
