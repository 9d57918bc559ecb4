// The assembled Convolutional-GPS meta-trainer of PSD on a tiny task (a 4-6-3 net on synthetic
// data, short horizon, an 8-cell LSTM): rollouts are deterministic for a seed whatever the thread
// count, the loop lowers the meta-loss of pi, a resumed run equals an uninterrupted one, and the
// pieces the assembly adds (config, regression) do what they claim.
#include <gtest/gtest.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "l2o/core/error.hpp"
#include "l2o/gps/controllers.hpp"
#include "l2o/gps/meta_train_config.hpp"
#include "l2o/gps/policy/policy_regression.hpp"
#include "l2o/gps/psd_gps_trainer.hpp"
#include "l2o/gps/rollout.hpp"
#include "support/synthetic_data.hpp"
#include "support/tiny_gps_config.hpp"

namespace l2o::gps {
namespace {

const MlpTask& tiny_task() {
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 300, 50, 11, 1.0);
  static const MlpTask task(data, MlpConfig{{4, 6, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  return task;
}

PsdMetaTrainConfig tiny_config() { return test_support::tiny_gps_config(); }

TEST(PsdGpsRollout, DeterministicForASeedWhateverTheThreadCount) {
  const MlpTask& task = tiny_task();
  const PsdMetaTrainConfig c = tiny_config();
  RolloutTask rt(task, c.batch, c.gps.sampling.horizon, 0, 1);
  const Index dX = c.state_dim();
  std::vector<LinearGaussianPolicy> psi;
  for (std::size_t g = 0; g < task.layout().groups.size(); ++g) {
    Mat K = Mat::Zero(1, dX);
    K(0, PsdMetaTrainConfig::kGradIndex) = -0.5;
    psi.push_back(LinearGaussianPolicy::constant(c.gps.sampling.horizon, K, Vec::Zero(1), Mat::Constant(1, 1, 1e-4)));
  }
  const auto seeds = batch_seeds(5, "test", 4);
  auto run = [&] {
    return rollout_batch(
        rt, c.features, c.state_features(),
        [&](Index n) { return make_psi_controller(task.layout(), psi, 100 + static_cast<std::uint64_t>(n)); }, seeds,
        RecordOptions{true, 8});
  };
#ifdef _OPENMP
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  const auto a = run();
#ifdef _OPENMP
  omp_set_num_threads(3);
#endif
  const auto b = run();
#ifdef _OPENMP
  omp_set_num_threads(before);
#endif
  ASSERT_EQ(a.size(), 4u);
  for (std::size_t n = 0; n < a.size(); ++n) {
    ASSERT_FALSE(a[n].diverged);
    EXPECT_EQ(a[n].objective, b[n].objective);
    EXPECT_EQ(a[n].coords, b[n].coords);
    for (std::size_t g = 0; g < a[n].states.size(); ++g) {
      ASSERT_EQ(a[n].states[g].size(), 21u);
      ASSERT_EQ(a[n].actions[g].size(), 20u);
      for (std::size_t t = 0; t < a[n].actions[g].size(); ++t) EXPECT_EQ(a[n].actions[g][t], b[n].actions[g][t]);
      EXPECT_EQ(a[n].states[g].back(), b[n].states[g].back());
    }
  }
  // Different trajectories get different initialisations and noise.
  EXPECT_NE(a[0].objective[0], a[1].objective[0]);
  // The recorded state holds the iterate and the true gradient of the recorded coordinates.
  Vec grad;
  const Vec x0 = task.initial_params(seeds[0].init);
  rt.true_objective(x0, &grad);
  const Index j = a[0].coords[0][0];
  EXPECT_DOUBLE_EQ(a[0].states[0][0](0, 0), x0[j]);
  EXPECT_DOUBLE_EQ(a[0].states[0][0](0, 1), grad[j]);
  // ... and the step is the mean action plus noise: gain -0.5 on the gradient.
  EXPECT_NEAR(a[0].actions[0][0](0, 0), -0.5 * grad[j], 0.05);
}

// With the adaptive column the state holds AdaGrad's direction n_j = ghat_j / (sqrt(sum ghat^2) +
// 1e-10): an AdaGrad controller's recorded step is exactly -lr times it, at every step.
TEST(PsdGpsRollout, AdaptiveColumnIsTheAdaGradDirection) {
  const MlpTask& task = tiny_task();
  PsdMetaTrainConfig c = tiny_config();
  c.adaptive_state = true;
  RolloutTask rt(task, c.batch, c.gps.sampling.horizon, 0, 1, true);
  const auto rs = rollout_batch(
      rt, c.features, c.state_features(),
      [&](Index) { return make_hand_designed_controller(task.layout(), "adagrad", {{"lr", 0.05}}); },
      batch_seeds(3, "test", 2), RecordOptions{true, 8});
  ASSERT_EQ(c.state_dim(), 3 + 3 * 3);
  for (const auto& r : rs) {
    ASSERT_FALSE(r.diverged);
    for (std::size_t g = 0; g < r.states.size(); ++g) {
      ASSERT_EQ(r.states[g][0].cols(), c.state_dim());
      for (std::size_t t = 0; t < r.actions[g].size(); ++t) {
        const Mat& a = r.actions[g][t];
        const Mat n = r.states[g][t].col(2);
        EXPECT_LT((a + 0.05 * n).norm(), 1e-12 * (1.0 + a.norm())) << "group " << g << " step " << t;
        if (t == 0) EXPECT_NEAR(n.cwiseAbs().maxCoeff(), 1.0, 1e-6);  // g / |g| at the first step
      }
    }
  }
  // Without the column the state is two narrower and holds no AdaGrad direction.
  RolloutTask plain(task, c.batch, c.gps.sampling.horizon, 0, 1);
  const auto p = rollout_batch(
      plain, c.features, c.state_features(),
      [&](Index) { return make_hand_designed_controller(task.layout(), "adagrad", {{"lr", 0.05}}); },
      batch_seeds(3, "test", 1), RecordOptions{true, 8});
  EXPECT_EQ(p[0].states[0][0].cols(), c.state_dim() - 1);
  EXPECT_EQ(p[0].objective, rs[0].objective);  // the column only records; it does not change the run
}

TEST(PsdGpsRegression, FitsAKnownStepRule) {
  // Targets: step = -0.02 * O2 (a scaled normalised gradient); the LSTM must learn it.
  PsdPolicyConfig pc;
  pc.arch.layers = {8};
  pc.arch.sharing = PolicySharing::Shared;
  pc.arch.output_scale = 0.02;
  PsdPolicy policy = PsdPolicy::fresh(pc, 3);
  Rng rng(9);
  RegressionSet s;
  s.net = PolicyNet::Shared;
  const Index T = 15, B = 40;
  s.weight = Vec::Ones(T);
  for (Index t = 0; t < T; ++t) {
    Mat o(3, B);
    for (Index i = 0; i < o.size(); ++i) o.data()[i] = rng.normal();
    s.obs.push_back(o);
    s.target.push_back(-0.02 * o.row(1));
  }
  RegressionOptions ro;
  ro.truncation = 5;
  ro.learning_rate = 1e-2;
  PolicyRegressor reg(ro);
  const double first = reg.train(policy, {&s}, 1, 1).front();
  const double last = reg.train(policy, {&s}, 60, 2).front();
  EXPECT_LT(last, 0.05 * first);
  const auto pred = policy_mean_actions(policy, PolicyNet::Shared, s.obs);
  double err = 0.0, ref = 0.0;
  for (Index t = 0; t < T; ++t) {
    err += (pred[static_cast<std::size_t>(t)].transpose() - s.target[static_cast<std::size_t>(t)]).squaredNorm();
    ref += s.target[static_cast<std::size_t>(t)].squaredNorm();
  }
  EXPECT_LT(err, 0.1 * ref);
}

// The shipped config still reads as before the field tables: the values it names, defaults for
// the rest, and the same JSON back.
TEST(PsdGpsConfig, ShippedConfigLoadsUnchanged) {
  std::ifstream in(std::string(L2O_SOURCE_DIR) + "/policies/psd-mnist.gps.config.json");
  const PsdMetaTrainConfig c = PsdMetaTrainConfig::from_json(nlohmann::json::parse(in));
  EXPECT_EQ(c.gps.sampling.coordinates_per_group, 16);
  EXPECT_EQ(c.gps.dynamics_prior.max_points, 4000);
  EXPECT_EQ(c.gps.policy_prior.max_iterations, 30);
  EXPECT_EQ(c.gps.badmm.inner_iterations, 2);
  EXPECT_DOUBLE_EQ(c.gps.badmm.init_nu, 1e-5);
  EXPECT_DOUBLE_EQ(c.gps.badmm.lg_step, 0.01);
  EXPECT_TRUE(c.adaptive_state);
  EXPECT_EQ(c.init.teacher, "adagrad");
  EXPECT_EQ(c.regression.truncation, 25);
  EXPECT_EQ(c.regression.chunk_sequences, 16);
  EXPECT_EQ(c.batch, 64);  // a default
  EXPECT_EQ(PsdMetaTrainConfig::from_json(c.to_json()).to_json(), c.to_json());
  const nlohmann::json j = c.to_json();
  for (const char* key : {"gps", "batch", "cost_examples", "state_upper", "adaptive_state", "eval_trajectories",
                          "regression", "init", "arch", "features", "distribution"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.size(), 11u);
  EXPECT_EQ(c.gps.algorithm, GpsAlgorithm::Badmm);  // a default
  EXPECT_FALSE(c.distribution.enabled());
}

TEST(PsdGpsConfig, JsonRoundTripAndErrorsNameTheField) {
  PsdMetaTrainConfig c = tiny_config();
  const PsdMetaTrainConfig back = PsdMetaTrainConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.state_dim(), 2 + 3 * 3);
  nlohmann::json j = c.to_json();
  j["regression"]["truncaton"] = 5;
  try {
    PsdMetaTrainConfig::from_json(j);
    FAIL() << "unknown key accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("regression.truncaton"), std::string::npos) << e.what();
  }
  j = c.to_json();
  j["regression"]["truncation"] = 0;
  EXPECT_THROW(PsdMetaTrainConfig::from_json(j), Error);
  j = c.to_json();
  j["adaptive_state"] = true;
  j["init"]["teacher"] = "adagrad";
  const PsdMetaTrainConfig adaptive = PsdMetaTrainConfig::from_json(j);
  EXPECT_EQ(adaptive.state_dim(), 3 + 3 * 3);
  EXPECT_EQ(adaptive.init.teacher, "adagrad");
  EXPECT_EQ(PsdMetaTrainConfig::from_json(adaptive.to_json()).to_json(), adaptive.to_json());
  j["init"]["teacher"] = "newton";
  try {
    PsdMetaTrainConfig::from_json(j);
    FAIL() << "unknown teacher accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("init.teacher"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("newton"), std::string::npos) << e.what();
  }
}

// Batch-aware steps belong to a trained policy (l2o policy scale-batch): GPS's rollouts would not
// apply them, so a config that asks for them is refused, naming the field.
TEST(PsdGpsConfig, RefusesBatchScaling) {
  PsdMetaTrainConfig c = tiny_config();
  c.arch.batch_scaling = {64, 0.2};
  try {
    c.validate();
    FAIL() << "accepted a GPS config with batch_scaling";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("arch.batch_scaling"), std::string::npos) << e.what();
  }
}

TEST(PsdGpsConfig, RefusesOutputWarmup) {
  PsdMetaTrainConfig c = tiny_config();
  c.arch.output_warmup.iterations = 16;
  try {
    c.validate();
    FAIL() << "accepted a GPS config with output_warmup";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("arch.output_warmup"), std::string::npos) << e.what();
  }
}

// An AdaGrad teacher on the adaptive state: the initial psi regresses AdaGrad's steps exactly
// (gain -lr on the AdaGrad direction, nothing else), so its mean-action meta-loss equals
// AdaGrad's; pi's input scale is set from the rollouts' features. A tuned file without the
// teacher's entry is an error naming the file.
TEST(PsdGpsTrainer, AdaGradTeacherGivesAnExactGuidingPolicy) {
  const MlpTask& task = tiny_task();
  PsdMetaTrainConfig c = tiny_config();
  c.adaptive_state = true;
  c.init.teacher = "adagrad";
  c.regression.init_epochs = 2;
  const auto dir = std::filesystem::temp_directory_path() / "l2o_test_gps_teacher";
  std::filesystem::create_directories(dir);
  c.init.tuned_path = (dir / "tuned.json").string();
  std::ofstream(c.init.tuned_path) << R"({"optimizers": {"adagrad": {"hyper": {"lr": 0.05}}}})";
  PsdGpsTrainer trainer(task, c, 2);
  const InitReport init = trainer.initialise();
  EXPECT_EQ(init.teacher, "adagrad");
  EXPECT_EQ(init.teacher_hyper, nlohmann::json({{"lr", 0.05}}));
  EXPECT_NEAR(init.psi_meta_loss, init.teacher_meta_loss, 1e-6 * init.teacher_meta_loss);
  for (const auto& psi : trainer.guiding_policies())
    for (Index t = 0; t < c.gps.sampling.horizon; ++t) {
      EXPECT_NEAR(psi.K[static_cast<std::size_t>(t)](0, 2), -0.05, 1e-6) << "step " << t;
      EXPECT_LT(psi.K[static_cast<std::size_t>(t)].cwiseAbs().sum() - 0.05, 1e-5) << "step " << t;
    }
  const auto& scale = trainer.policy().config().arch.input_scale;
  ASSERT_EQ(scale.size(), 4u);
  for (const auto& s : scale) EXPECT_GT(s[1], 1.0);  // O2 is a small gradient: scaled up

  std::ofstream(c.init.tuned_path) << R"({"optimizers": {"adam": {"hyper": {"lr": 0.01}}}})";
  PsdGpsTrainer missing(task, c, 2);
  try {
    missing.initialise();
    FAIL() << "a tuned file without the teacher was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(c.init.tuned_path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("optimizers.adagrad.hyper"), std::string::npos) << e.what();
  }
}

// Without a configured lr or a tuned file the momentum teacher comes from the grid search, and
// is one of its points.
TEST(PsdGpsTrainer, MomentumTeacherFallsBackToTheGridSearch) {
  PsdMetaTrainConfig c = tiny_config();
  c.init.lr = 0.0;
  c.init.tuned_path = "no/such/tuned.json";
  c.init.lr_grid = {0.01, 0.1};
  c.init.momentum_grid = {0.5};
  c.regression.init_epochs = 1;
  PsdGpsTrainer trainer(tiny_task(), c, 3);
  const InitReport init = trainer.initialise();
  EXPECT_EQ(init.teacher_source, "grid search");
  ASSERT_TRUE(init.teacher_hyper.contains("lr"));
  const double lr = init.teacher_hyper.at("lr").get<double>();
  EXPECT_TRUE(lr == 0.01 || lr == 0.1) << init.teacher_hyper.dump();
  EXPECT_EQ(init.teacher_hyper.at("momentum").get<double>(), 0.5);
}

TEST(PsdGpsTrainer, LowersTheMetaLossOfPiAndResumesExactly) {
  const MlpTask& task = tiny_task();
  const PsdMetaTrainConfig c = tiny_config();

  PsdGpsTrainer full(task, c, 4);
  const InitReport init = full.initialise();
  EXPECT_TRUE(std::isfinite(init.pi_meta_loss));
  EXPECT_TRUE(std::isfinite(init.teacher_meta_loss));
  const nlohmann::json after_init = full.checkpoint();
  std::vector<double> pi_loss;
  nlohmann::json after_one;
  while (!full.finished()) {
    const IterationReport r = full.run_iteration();
    pi_loss.push_back(r.pi_meta_loss);
    EXPECT_TRUE(std::isfinite(r.psi_meta_loss));
    ASSERT_EQ(r.groups.size(), 4u);
    for (const auto& g : r.groups) {
      EXPECT_GT(g.kl_step, 0.0);
      EXPECT_LE(g.kl_step, 1.2 * g.epsilon);
    }
    if (full.iterations_done() == 1) after_one = full.checkpoint();
  }
  ASSERT_EQ(pi_loss.size(), 3u);
  std::cout << "meta-loss: momentum " << init.teacher_meta_loss << ", pre-trained pi " << init.pi_meta_loss
            << ", pi after iterations 1..3: " << pi_loss[0] << " " << pi_loss[1] << " " << pi_loss[2] << "\n";
  // The meta-loss of pi falls from the first iteration to the last.
  EXPECT_LT(pi_loss.back(), pi_loss.front()) << pi_loss[0] << " " << pi_loss[1] << " " << pi_loss[2];

  // Resume after iteration 1 (through JSON text, as on disk): the same result bit for bit.
  PsdGpsTrainer resumed(task, c, 4);
  resumed.restore(nlohmann::json::parse(after_one.dump()), "test checkpoint");
  EXPECT_EQ(resumed.iterations_done(), 1);
  while (!resumed.finished()) resumed.run_iteration();
  EXPECT_EQ(resumed.policy().params(), full.policy().params());
  for (std::size_t g = 0; g < full.guiding_policies().size(); ++g)
    for (Index t = 0; t < c.gps.sampling.horizon; ++t) {
      EXPECT_EQ(resumed.guiding_policies()[g].K[static_cast<std::size_t>(t)],
                full.guiding_policies()[g].K[static_cast<std::size_t>(t)]);
      EXPECT_EQ(resumed.guiding_policies()[g].cov[static_cast<std::size_t>(t)],
                full.guiding_policies()[g].cov[static_cast<std::size_t>(t)]);
    }
  EXPECT_EQ(resumed.history().back().pi_meta_loss, full.history().back().pi_meta_loss);

  // A checkpoint of another seed is refused.
  PsdGpsTrainer other(task, c, 5);
  EXPECT_THROW(other.restore(after_init, "test checkpoint"), Error);

  // Integers out of range (1e300 where an int belongs) are refused with the file named, not
  // converted (undefined behaviour, found by fuzz_json).
  nlohmann::json huge = nlohmann::json::parse(after_one.dump());
  huge["iteration"] = 1e300;
  try {
    PsdGpsTrainer(task, c, 4).restore(huge, "test checkpoint");
    FAIL() << "iteration = 1e300 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test checkpoint"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("iteration"), std::string::npos) << e.what();
  }
  nlohmann::json huge_seed = nlohmann::json::parse(after_one.dump());
  huge_seed["seed"] = -1e19;
  EXPECT_THROW(PsdGpsTrainer(task, c, 4).restore(huge_seed, "test checkpoint"), Error);
}

}  // namespace
}  // namespace l2o::gps

namespace l2o::gps {
namespace {

// On-policy MDGPS samples pi plus Gaussian exploration noise: at the first step (same state, same
// minibatch) the noisy controller's step minus pi's own is the noise, with the variance asked for
// in each group (a 4-64-3 net, so that every weight group has >= 192 coordinates), seeded, and
// zero where the variance is zero. Bad variances are errors.
TEST(PsdGpsController, NoisyPiAddsSeededGaussianNoisePerGroup) {
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 300, 50, 12, 1.0);
  const MlpTask task(data, MlpConfig{{4, 64, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  const PsdMetaTrainConfig c = tiny_config();
  RolloutTask rt(task, c.batch, 3, 0, 1);
  PsdPolicyConfig pc;
  pc.arch = c.arch;
  pc.arch.output_scale = 1e-2;
  auto policy = std::make_shared<const PsdPolicy>(PsdPolicy::fresh(pc, 7));
  const ParamLayout& layout = task.layout();
  ASSERT_EQ(layout.groups.size(), 4u);
  const std::vector<double> var{4e-4, 0.0, 1e-4, 9e-6};
  const auto seeds = batch_seeds(3, "noise-test", 1);
  const RecordOptions all{true, 100000};
  auto run = [&](ControllerFactory f) { return rollout_batch(rt, c.features, c.state_features(), f, seeds, all).at(0); };
  const auto plain = run([&](Index) { return make_pi_controller(layout, policy); });
  const auto noisy = run([&](Index) { return make_noisy_pi_controller(layout, policy, var, 42); });
  const auto again = run([&](Index) { return make_noisy_pi_controller(layout, policy, var, 42); });
  const auto other = run([&](Index) { return make_noisy_pi_controller(layout, policy, var, 43); });
  for (std::size_t g = 0; g < layout.groups.size(); ++g) {
    ASSERT_EQ(noisy.actions[g][0].rows(), layout.groups[g].size());
    const Mat noise = noisy.actions[g][0] - plain.actions[g][0];
    EXPECT_EQ(noisy.actions[g][0], again.actions[g][0]) << "group " << g;
    if (var[g] == 0.0) {
      EXPECT_EQ(noise.cwiseAbs().maxCoeff(), 0.0) << "group " << g;
      continue;
    }
    EXPECT_NE(noisy.actions[g][0], other.actions[g][0]) << "group " << g;
    const double n = static_cast<double>(noise.size());
    const double mean = noise.sum() / n, ms = noise.squaredNorm() / n;
    // Standard errors: sd/sqrt(n) for the mean, var*sqrt(2/n) for the mean square.
    const double tol = layout.groups[g].size() >= 192 ? 4.0 : 6.0;
    EXPECT_LT(std::abs(mean), tol * std::sqrt(var[g] / n)) << "group " << g;
    EXPECT_NEAR(ms, var[g], tol * var[g] * std::sqrt(2.0 / n)) << "group " << g;
  }
  EXPECT_THROW(make_noisy_pi_controller(layout, policy, {1e-4, 1e-4}, 1), Error);
  EXPECT_THROW(make_noisy_pi_controller(layout, policy, {1e-4, -1e-4, 0, 0}, 1), Error);
  EXPECT_THROW(make_noisy_pi_controller(layout, policy, {1e-4, std::nan(""), 0, 0}, 1), Error);
}

// On-policy mirror-descent GPS on the tiny task: the first iteration samples psi and every later
// one samples pi; psi's C-step stays within its KL bound to the linearised pi; pi's meta-loss
// falls at every one of 10 iterations and ends below the best of BADMM with the same settings
// (which falls for 3 iterations, then climbs back above the pre-trained pi: the stall of
// docs/meta-training.md, finding 4) and below MDGPS with psi-mean S-step targets (which drift
// back up); a resumed run equals the uninterrupted one; the algorithm is
// in the config and its name parses.
TEST(PsdGpsTrainer, MirrorDescentSamplesPiAndKeepsLoweringItsMetaLoss) {
  const MlpTask& task = tiny_task();
  PsdMetaTrainConfig c = tiny_config();
  c.gps.sampling.iterations = 10;
  auto run = [&](GpsAlgorithm algorithm, std::vector<double>& losses, nlohmann::json* after3) {
    PsdMetaTrainConfig cc = c;
    cc.gps.algorithm = algorithm;
    auto trainer = std::make_unique<PsdGpsTrainer>(task, cc, 4);
    const InitReport init = trainer->initialise();
    losses.push_back(init.pi_meta_loss);
    while (!trainer->finished()) {
      const IterationReport r = trainer->run_iteration();
      losses.push_back(r.pi_meta_loss);
      if (algorithm == GpsAlgorithm::Mdgps) {
        EXPECT_EQ(r.sampled, r.iteration == 1 ? "psi" : "pi") << "iteration " << r.iteration;
        for (const auto& g : r.groups) EXPECT_LE(g.kl_step, 1.2 * g.epsilon) << g.name << " iteration " << r.iteration;
      }
      if (after3 && trainer->iterations_done() == 3) *after3 = trainer->checkpoint();
    }
    return trainer;
  };
  std::vector<double> md, badmm, psi_mean;
  nlohmann::json after3;
  const auto trainer = run(GpsAlgorithm::Mdgps, md, &after3);
  run(GpsAlgorithm::Badmm, badmm, nullptr);
  c.gps.mdgps.residual_targets = false;  // M&L16's S-step targets, psi's mean
  run(GpsAlgorithm::Mdgps, psi_mean, nullptr);
  c.gps.mdgps.residual_targets = true;
  std::cout << "pi meta-loss, pre-trained then iterations 1..10\n  mdgps:";
  for (double v : md) std::cout << " " << v;
  std::cout << "\n  badmm:";
  for (double v : badmm) std::cout << " " << v;
  std::cout << "\n  mdgps, psi-mean targets:";
  for (double v : psi_mean) std::cout << " " << v;
  std::cout << "\n";
  ASSERT_EQ(md.size(), 11u);
  ASSERT_EQ(badmm.size(), 11u);
  for (std::size_t i = 1; i < md.size(); ++i) EXPECT_LT(md[i], md[i - 1]) << "iteration " << i;
  EXPECT_EQ(trainer->best_iteration(), 10);
  EXPECT_LT(md.back(), *std::min_element(badmm.begin(), badmm.end()));
  EXPECT_GT(badmm.back(), *std::min_element(badmm.begin(), badmm.end()));  // BADMM's stall
  // psi-mean targets pull pi toward its linearisation: they end above the residual targets and
  // above their own best (they drift back up once psi stays near pibar).
  ASSERT_EQ(psi_mean.size(), 11u);
  EXPECT_LT(md.back(), psi_mean.back());
  EXPECT_GT(psi_mean.back(), *std::min_element(psi_mean.begin(), psi_mean.end()));

  // The hybrid: BADMM for the first 3 iterations (identical to the BADMM run), then MDGPS from
  // the pi they left, sampling pi.
  PsdMetaTrainConfig ch = c;
  ch.gps.algorithm = GpsAlgorithm::Mdgps;
  ch.gps.mdgps.badmm_iterations = 3;
  ch.gps.sampling.iterations = 6;
  PsdGpsTrainer hybrid(task, ch, 4);
  hybrid.initialise();
  std::cout << "  hybrid (3 badmm):";
  while (!hybrid.finished()) {
    const IterationReport r = hybrid.run_iteration();
    std::cout << " " << r.pi_meta_loss;
    EXPECT_EQ(r.sampled, r.iteration <= 3 ? "psi" : "pi") << "iteration " << r.iteration;
    if (r.iteration <= 3) EXPECT_EQ(r.pi_meta_loss, badmm[static_cast<std::size_t>(r.iteration)]) << r.iteration;
    for (const auto& g : r.groups) EXPECT_LE(g.kl_step, 1.2 * g.epsilon) << g.name << " iteration " << r.iteration;
  }
  std::cout << "\n";

  PsdMetaTrainConfig cm = c;
  cm.gps.algorithm = GpsAlgorithm::Mdgps;
  PsdGpsTrainer resumed(task, cm, 4);
  resumed.restore(nlohmann::json::parse(after3.dump()), "test checkpoint");
  while (!resumed.finished()) resumed.run_iteration();
  EXPECT_EQ(resumed.policy().params(), trainer->policy().params());
  EXPECT_EQ(resumed.history().back().pi_meta_loss, trainer->history().back().pi_meta_loss);

  EXPECT_EQ(cm.to_json().at("gps").at("algorithm"), "mdgps");
  EXPECT_EQ(PsdMetaTrainConfig::from_json(cm.to_json()).gps.algorithm, GpsAlgorithm::Mdgps);
  EXPECT_EQ(parse_gps_algorithm("badmm"), GpsAlgorithm::Badmm);
  EXPECT_THROW(parse_gps_algorithm("ppo"), Error);
  // A BADMM checkpoint does not resume an MDGPS run.
  PsdGpsTrainer wrong(task, c, 4);
  EXPECT_THROW(wrong.restore(after3, "test checkpoint"), Error);
}

}  // namespace
}  // namespace l2o::gps

namespace l2o::gps {
namespace {

// A policy reading the moment features as well as LM17's. The config must name
// the LSTM's inputs (an error naming arch.inputs otherwise); the trainer then records 7-row
// observations, standardises all 7 inputs, regresses and runs GPS iterations like the LM17 policy.
TEST(PsdGpsTrainer, MomentFeaturePolicyMetaTrains) {
  PsdMetaTrainConfig c = tiny_config();
  c.features.momentum_decays = {0.5, 0.9, 0.99};
  nlohmann::json j = c.to_json();
  try {
    PsdMetaTrainConfig::from_json(j);
    FAIL() << "moment features accepted with the LM17 LSTM inputs";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("arch.inputs"), std::string::npos) << e.what();
  }
  c.arch.inputs = c.features.observation_names();
  c.gps.sampling.iterations = 2;
  const PsdMetaTrainConfig back = PsdMetaTrainConfig::from_json(nlohmann::json::parse(c.to_json().dump()));
  EXPECT_EQ(back.arch.inputs, c.arch.inputs);
  EXPECT_EQ(back.features.momentum_decays, c.features.momentum_decays);

  PsdGpsTrainer trainer(tiny_task(), back, 4);
  const InitReport init = trainer.initialise();
  EXPECT_TRUE(std::isfinite(init.pi_meta_loss));
  const PsdArchitecture& arch = trainer.policy().config().arch;
  EXPECT_EQ(trainer.policy().network(PolicyNet::HiddenWeight).config().input_size, 7);
  ASSERT_EQ(arch.input_scale.size(), 4u);
  for (const auto& s : arch.input_scale) {
    ASSERT_EQ(s.size(), 7u);
    for (double v : s) EXPECT_TRUE(std::isfinite(v) && v > 0);
  }
  while (!trainer.finished()) {
    const IterationReport r = trainer.run_iteration();
    EXPECT_TRUE(std::isfinite(r.pi_meta_loss));
  }
  std::cout << "moment features: teacher " << init.teacher_meta_loss << ", pre-trained pi " << init.pi_meta_loss
            << ", after 2 iterations " << trainer.history().back().pi_meta_loss << "\n";
  // The pre-trained pi imitates the momentum teacher: within a factor 2 of its meta-loss.
  EXPECT_LT(init.pi_meta_loss, 2.0 * init.teacher_meta_loss);
}

}  // namespace
}  // namespace l2o::gps
