#include "l2o/gps/rollout.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>

#include "l2o/core/byte_buffer.hpp"
#include "l2o/core/distributed.hpp"
#include "l2o/core/error.hpp"
#include "l2o/core/kill_point.hpp"
#include "l2o/core/rng.hpp"

namespace l2o::gps {

RolloutTask::RolloutTask(const MlpTask& task, int batch, int horizon, Index cost_examples,
                         std::uint64_t cost_subset_seed, bool adaptive_state)
    : task_(&task), batch_(batch), horizon_(horizon), adaptive_state_(adaptive_state) {
  if (batch < 1) throw Error(fmt::format("--batch: must be >= 1 (got {})", batch));
  if (horizon < 1) throw Error(fmt::format("--horizon: must be >= 1 (got {})", horizon));
  const Index n = task.train_count();
  cost_set_.resize(static_cast<std::size_t>(n));
  std::iota(cost_set_.begin(), cost_set_.end(), Index{0});
  if (cost_examples > 0 && cost_examples < n) {
    Rng rng(cost_subset_seed, "gps-cost-subset");
    rng.shuffle(cost_set_.begin(), cost_set_.end());
    cost_set_.resize(static_cast<std::size_t>(cost_examples));
    std::sort(cost_set_.begin(), cost_set_.end());
  }
}

double RolloutTask::true_objective(const Vec& x, Vec* grad) const {
  if (cost_count() == task_->train_count()) return task_->objective(x, grad);
  return task_->loss_grad(x, cost_set_, grad);
}

void RolloutTask::set_init_rescale(double log10_range) {
  if (!std::isfinite(log10_range) || log10_range < 0)
    throw Error(fmt::format("rollout task: the initial-weight rescaling range must be >= 0, got {}", log10_range));
  init_rescale_log10_ = log10_range;
}

Vec RolloutTask::initial_params(std::uint64_t init_seed) const {
  Vec x = task_->initial_params(init_seed);
  if (init_rescale_log10_ > 0) {
    Rng rng(init_seed, "init-rescale");
    for (const CoordinateGroup& g : layout().groups)
      if (g.kind == GroupKind::Weight)
        x.segment(g.offset, g.size()) *= std::pow(10.0, init_rescale_log10_ * (2.0 * rng.uniform() - 1.0));
  }
  return x;
}

void gps_state_rows(const Vec& x, const Vec& true_grad, const Vec* adaptive, const StateFeatures& phi,
                    const std::vector<Index>& coords, Mat& out) {
  const Index n = static_cast<Index>(coords.size());
  Mat f;
  phi.compute(coords, f);
  out.resize(n, (adaptive ? 3 : 2) + f.rows());
  for (Index i = 0; i < n; ++i) {
    const Index j = coords[static_cast<std::size_t>(i)];
    out(i, 0) = x[j];
    out(i, 1) = true_grad[j];
    if (adaptive) out(i, 2) = (*adaptive)[j];
  }
  out.rightCols(f.rows()) = f.transpose();
}

void gps_state_rows(const Vec& x, const Vec& true_grad, const Vec* adaptive, const StateFeatures& phi,
                    const CoordinateGroup& group, Mat& out) {
  Mat f;
  phi.compute(group, f);
  out.resize(group.size(), (adaptive ? 3 : 2) + f.rows());
  out.col(0) = x.segment(group.offset, group.size());
  out.col(1) = true_grad.segment(group.offset, group.size());
  if (adaptive) out.col(2) = adaptive->segment(group.offset, group.size());
  out.rightCols(f.rows()) = f.transpose();
}

double TrajectoryRecord::meta_loss() const {
  if (diverged) return std::numeric_limits<double>::infinity();
  double s = 0.0;
  for (std::size_t t = 1; t < objective.size(); ++t) s += objective[t];
  return s;
}

TrajectorySeeds trajectory_seeds(std::uint64_t seed, const std::string& batch, Index n) {
  const std::uint64_t base = derive_seed(derive_seed(seed, "gps-" + batch), fmt::format("trajectory-{}", n));
  return {derive_seed(base, "init"), derive_seed(base, "minibatch"), derive_seed(base, "coords")};
}

std::vector<TrajectorySeeds> batch_seeds(std::uint64_t seed, const std::string& batch, Index count) {
  std::vector<TrajectorySeeds> s;
  for (Index n = 0; n < count; ++n) s.push_back(trajectory_seeds(seed, batch, n));
  return s;
}

namespace {

constexpr std::uint32_t kTrajectoryMagic = 0x6c326f54;  // "To2l": a record, format 1

void put_mats(ByteWriter& w, const std::vector<Mat>& v) {
  w.put<std::uint64_t>(v.size());
  for (const Mat& m : v) w.put_mat(m);
}
void put_mat_lists(ByteWriter& w, const std::vector<std::vector<Mat>>& v) {
  w.put<std::uint64_t>(v.size());
  for (const auto& x : v) put_mats(w, x);
}
std::size_t count(ByteReader& r) {
  const auto n = r.get<std::uint64_t>();
  if (n > (std::uint64_t{1} << 32)) throw Error("trajectory record: an implausible count");
  return static_cast<std::size_t>(n);
}
std::vector<Mat> get_mats(ByteReader& r) {
  std::vector<Mat> v(count(r));
  for (Mat& m : v) m = r.get_mat();
  return v;
}
std::vector<std::vector<Mat>> get_mat_lists(ByteReader& r) {
  std::vector<std::vector<Mat>> v(count(r));
  for (auto& x : v) x = get_mats(r);
  return v;
}

}  // namespace

std::string encode_trajectory(const TrajectoryRecord& r) {
  ByteWriter w;
  w.put<std::uint32_t>(kTrajectoryMagic);
  w.put<std::uint64_t>(r.coords.size());
  for (const auto& c : r.coords) {
    w.put<std::uint64_t>(c.size());
    for (Index j : c) w.put<std::int64_t>(j);
  }
  put_mat_lists(w, r.states);
  put_mat_lists(w, r.actions);
  put_mat_lists(w, r.obs);
  w.put_vector(r.objective);
  w.put_mat(r.curvature.objective_change);
  put_mats(w, r.curvature.grad_dot_step);
  put_mats(w, r.curvature.half_step_sq);
  put_mats(w, r.curvature.secant);
  w.put_bool(r.diverged);
  w.put_string(r.divergence);
  w.put<std::int64_t>(r.member);
  return w.take();
}

TrajectoryRecord decode_trajectory(const std::string& bytes) {
  ByteReader rd(bytes, "trajectory record");
  if (rd.get<std::uint32_t>() != kTrajectoryMagic) throw Error("trajectory record: not a trajectory record");
  TrajectoryRecord r;
  r.coords.resize(count(rd));
  for (auto& c : r.coords) {
    c.resize(count(rd));
    for (Index& j : c) j = rd.get<std::int64_t>();
  }
  r.states = get_mat_lists(rd);
  r.actions = get_mat_lists(rd);
  r.obs = get_mat_lists(rd);
  r.objective = rd.get_vector<double>();
  r.curvature.objective_change = rd.get_mat();
  r.curvature.grad_dot_step = get_mats(rd);
  r.curvature.half_step_sq = get_mats(rd);
  r.curvature.secant = get_mats(rd);
  r.diverged = rd.get_bool();
  r.divergence = rd.get_string();
  r.member = rd.get<std::int64_t>();
  rd.expect_end();
  return r;
}

namespace {

// m coordinates of the group drawn without replacement (all if m >= size), sorted.
std::vector<Index> sample_coords(const CoordinateGroup& g, Index m, Rng& rng) {
  std::vector<Index> all(static_cast<std::size_t>(g.size()));
  std::iota(all.begin(), all.end(), g.offset);
  if (m < g.size()) {
    for (Index i = 0; i < m; ++i) std::swap(all[static_cast<std::size_t>(i)],
                                            all[static_cast<std::size_t>(i + static_cast<Index>(rng.below(
                                                                                    static_cast<std::uint64_t>(g.size() - i))))]);
    all.resize(static_cast<std::size_t>(m));
    std::sort(all.begin(), all.end());
  }
  return all;
}

}  // namespace

TrajectoryRecord rollout(const RolloutTask& rt, const FeatureConfig& obs_features, const FeatureConfig& state_features,
                         Controller& controller, const TrajectorySeeds& seeds, const RecordOptions& record) {
  const MlpTask& task = rt.task();
  const ParamLayout& layout = rt.layout();
  const Index T = rt.horizon();
  const std::size_t G = layout.groups.size();
  TrajectoryRecord r;
  r.curvature = CurvatureData(static_cast<Index>(G), T, 1);
  if (record.record) {
    Rng crng(seeds.coords, "coords");
    r.coords.resize(G);
    r.states.assign(G, {});
    r.actions.assign(G, {});
    r.obs.assign(G, {});
    for (std::size_t g = 0; g < G; ++g) r.coords[g] = sample_coords(layout.groups[g], record.coordinates_per_group, crng);
  }
  Vec x = rt.initial_params(seeds.init);
  MinibatchSampler sampler(task.train_count(), rt.batch(), seeds.minibatch);
  ObservationFeatures psi(obs_features, layout.dim);
  StateFeatures phi(state_features, layout.dim);
  Vec mgrad(layout.dim), tgrad(layout.dim), delta(layout.dim);
  Vec grad_sq_sum, adaptive;  // the AdaGrad accumulator and direction, with the adaptive column
  if (rt.adaptive_state()) grad_sq_sum = Vec::Zero(layout.dim);
  const Vec* adaptive_ptr = rt.adaptive_state() ? &adaptive : nullptr;
  double f = rt.true_objective(x, &tgrad);
  r.objective.push_back(f);
  Mat rows, o;
  for (Index t = 0; t <= T; ++t) {
    const double mloss = task.loss_grad(x, sampler.next(), &mgrad);
    if (!std::isfinite(mloss) || !mgrad.allFinite() || !std::isfinite(f) || !tgrad.allFinite()) {
      r.diverged = true;
      r.divergence = fmt::format("non-finite loss or gradient at step {}", t);
      return r;
    }
    psi.observe(x, mloss, mgrad);
    phi.observe(x, mloss, mgrad);
    if (adaptive_ptr) {
      grad_sq_sum.array() += mgrad.array().square();
      adaptive = (mgrad.array() / (grad_sq_sum.array().sqrt() + 1e-10)).matrix();
    }
    if (record.record)
      for (std::size_t g = 0; g < G; ++g) {
        gps_state_rows(x, tgrad, adaptive_ptr, phi, r.coords[g], rows);
        r.states[g].push_back(rows);
        if (t < T) {
          psi.compute(r.coords[g], o);
          r.obs[g].push_back(o);
        }
      }
    if (t == T) break;
    const StepView view{t, x, mloss, mgrad, f, tgrad, adaptive_ptr, psi, phi};
    controller.act(view, delta);
    if (delta.size() != layout.dim || !delta.allFinite()) {
      r.diverged = true;
      r.divergence = fmt::format("non-finite step at step {}", t);
      return r;
    }
    if (record.record)
      for (std::size_t g = 0; g < G; ++g) {
        Mat a(static_cast<Index>(r.coords[g].size()), 1);
        for (std::size_t i = 0; i < r.coords[g].size(); ++i) a(static_cast<Index>(i), 0) = delta[r.coords[g][i]];
        r.actions[g].push_back(a);
      }
    const Vec g_before = tgrad;
    const double f_before = f;
    x += delta;
    f = rt.true_objective(x, &tgrad);
    r.objective.push_back(f);
    if (!std::isfinite(f)) {
      r.diverged = true;
      r.divergence = fmt::format("non-finite true objective after step {}", t);
      return r;
    }
    r.curvature.record(layout, t, 0, f_before, f, g_before, tgrad, delta);
  }
  return r;
}

std::vector<TrajectoryRecord> rollout_batch(const RolloutTask& task, const FeatureConfig& obs_features,
                                            const FeatureConfig& state_features, const ControllerFactory& factory,
                                            const std::vector<TrajectorySeeds>& seeds, const RecordOptions& record) {
  return rollout_batch({&task}, std::vector<Index>(seeds.size(), 0), obs_features, state_features, factory, seeds,
                       record);
}

std::vector<TrajectoryRecord> rollout_batch(const std::vector<const RolloutTask*>& family,
                                            const std::vector<Index>& member, const FeatureConfig& obs_features,
                                            const FeatureConfig& state_features, const ControllerFactory& factory,
                                            const std::vector<TrajectorySeeds>& seeds, const RecordOptions& record) {
  const Index N = static_cast<Index>(seeds.size());
  if (member.size() != seeds.size())
    throw Error(fmt::format("rollout batch: {} members for {} trajectories", member.size(), seeds.size()));
  for (Index k : member)
    if (k < 0 || k >= static_cast<Index>(family.size()))
      throw Error(fmt::format("rollout batch: member {} outside a family of {}", k, family.size()));
  // Runs the trajectories `which` (all of them in a single process) on this process's threads.
  auto run = [&](const std::vector<std::size_t>& which, std::vector<TrajectoryRecord>& out) {
    const dist::LoopTimer timer;
    const Index M = static_cast<Index>(which.size());
    out.assign(which.size(), TrajectoryRecord());
    std::vector<std::exception_ptr> errors(which.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (Index i = 0; i < M; ++i) {
      try {
        const auto n = which[static_cast<std::size_t>(i)];
        auto c = factory(static_cast<Index>(n));
        const Index k = member[n];
        auto& r = out[static_cast<std::size_t>(i)];
        r = rollout(*family[static_cast<std::size_t>(k)], obs_features, state_features, *c, seeds[n], record);
        r.member = k;
        kill_point("trajectory");
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
      }
    }
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  };
  if (dist::size() == 1) {
    std::vector<std::size_t> all(static_cast<std::size_t>(N));
    std::iota(all.begin(), all.end(), std::size_t{0});
    std::vector<TrajectoryRecord> out;
    run(all, out);
    return out;
  }
  // Each rank its share, then every record to every rank (the fits that follow run on each).
  const std::vector<std::string> bytes =
      dist::exchange(static_cast<std::size_t>(N), [&](const std::vector<std::size_t>& mine, std::vector<std::string>& enc) {
        std::vector<TrajectoryRecord> recs;
        run(mine, recs);
        for (const auto& r : recs) enc.push_back(encode_trajectory(r));
      });
  std::vector<TrajectoryRecord> out;
  out.reserve(bytes.size());
  for (const std::string& b : bytes) out.push_back(decode_trajectory(b));
  return out;
}

}  // namespace l2o::gps
