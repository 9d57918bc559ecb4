// Meta-training over a family of tasks (gps/task_distribution.hpp): the drawn members come from
// the distribution's lists and are deterministic in the seed; bad distributions are errors naming
// the field; the groups of deeper nets map onto the one-hidden-layer slots by role; trajectories
// spread over the members; the initial weights are rescaled per tensor within 10^+-r; and the
// trainer runs both GPS algorithms over a family of three nets and resumes exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "l2o/core/error.hpp"
#include "l2o/gps/psd_gps_trainer.hpp"
#include "l2o/gps/rollout.hpp"
#include "l2o/gps/task_distribution.hpp"
#include "support/synthetic_data.hpp"
#include "support/tiny_gps_config.hpp"

namespace l2o::gps {
namespace {

bool in(const std::vector<double>& list, int v) {
  return std::find(list.begin(), list.end(), static_cast<double>(v)) != list.end();
}

TEST(TaskDistribution, DrawsMembersFromItsListsDeterministically) {
  TaskDistribution d;
  d.tasks = 40;
  const auto a = draw_tasks(d, 10, 7), b = draw_tasks(d, 10, 7), c = draw_tasks(d, 10, 8);
  ASSERT_EQ(a.size(), 40u);
  std::set<std::size_t> depths;
  std::set<int> batches;
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].arch, b[i].arch);
    EXPECT_EQ(a[i].batch, b[i].batch);
    differs = differs || a[i].arch != c[i].arch || a[i].batch != c[i].batch;
    ASSERT_GE(a[i].arch.size(), 3u);
    ASSERT_LE(a[i].arch.size(), 4u);
    EXPECT_TRUE(in(d.projection_widths, a[i].arch.front()));
    for (std::size_t l = 1; l + 1 < a[i].arch.size(); ++l) EXPECT_TRUE(in(d.hidden_widths, a[i].arch[l]));
    EXPECT_EQ(a[i].arch.back(), 10);
    EXPECT_TRUE(in(d.batches, a[i].batch));
    depths.insert(a[i].arch.size());
    batches.insert(a[i].batch);
  }
  EXPECT_TRUE(differs) << "another seed drew the same family";
  EXPECT_EQ(depths.size(), 2u);   // one and two hidden layers both drawn
  EXPECT_EQ(batches.size(), 4u);  // every batch size drawn
  TaskDraw t{{64, 100, 10}, 10};
  EXPECT_EQ(t.arch_text(), "64-100-10");
}

TEST(TaskDistribution, BadSettingsAreErrorsNamingTheField) {
  auto fails_with = [](const nlohmann::json& j, const std::string& field) {
    try {
      TaskDistribution::from_json(j, "dist.json");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("dist.json"), std::string::npos) << e.what();
    }
  };
  fails_with({{"hidden_layers", {1, 3}}}, "distribution.hidden_layers");
  fails_with({{"batches", {10, 32.5}}}, "distribution.batches");
  fails_with({{"projection_widths", nlohmann::json::array()}}, "distribution.projection_widths");
  fails_with({{"tasks", -1}}, "distribution.tasks");
  fails_with({{"rescale_log10", 5}}, "distribution.rescale_log10");
  fails_with({{"horizons", {200}}}, "horizons");
  const TaskDistribution ok = TaskDistribution::from_json({{"tasks", 3}, {"batches", {10}}}, "dist.json");
  EXPECT_EQ(ok.tasks, 3);
  EXPECT_EQ(TaskDistribution::from_json(ok.to_json(), "round trip").to_json(), ok.to_json());
}

ParamLayout mlp_param_layout(const std::vector<int>& arch) {
  const ProjectedDataset data = test_support::synthetic_dataset(arch.front(), arch.back(), 20, 5, 3, 1.0);
  return MlpTask(data, MlpConfig{arch, Activation::Relu, 0.0, 1.0}, 20, 0).layout();
}

TEST(TaskDistribution, GroupsMapOntoTheOneHiddenLayerSlotsByRole) {
  const ParamLayout one = mlp_param_layout({8, 6, 3});
  const ParamLayout two = mlp_param_layout({5, 7, 9, 3});
  EXPECT_EQ(group_slots(one, mlp_param_layout({10, 20, 3})), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(group_slots(one, two), (std::vector<std::size_t>{0, 1, 0, 1, 2, 3}));
  EXPECT_EQ(group_slots(two, two), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(group_slots(two, one), Error);
}

TEST(TaskDistribution, TrajectoriesSpreadOverTheMembers) {
  const auto seeds = batch_seeds(3, "spread", 300);
  std::vector<int> count(3, 0);
  for (const auto& s : seeds) {
    EXPECT_EQ(member_of_trajectory(s.init, 1), 0);
    ++count[static_cast<std::size_t>(member_of_trajectory(s.init, 3))];
  }
  for (int c : count) EXPECT_GT(c, 70) << count[0] << " " << count[1] << " " << count[2];
}

TEST(TaskDistribution, InitialWeightsAreRescaledPerTensor) {
  static const ProjectedDataset data = test_support::synthetic_dataset(4, 3, 100, 20, 5, 1.0);
  const MlpTask task(data, MlpConfig{{4, 6, 3}, Activation::Relu, 0.0, 1.0}, 100, 0);
  RolloutTask rt(task, 8, 5, 0, 1);
  EXPECT_EQ(rt.initial_params(11), task.initial_params(11));
  rt.set_init_rescale(1.0);
  const Vec x0 = task.initial_params(11), x = rt.initial_params(11);
  EXPECT_EQ(x, rt.initial_params(11));
  std::set<double> factors;
  for (const CoordinateGroup& g : task.layout().groups) {
    const Vec a = x0.segment(g.offset, g.size()), b = x.segment(g.offset, g.size());
    if (g.kind == GroupKind::Bias) {
      EXPECT_EQ(a, b) << g.name;
      continue;
    }
    const double f = b[0] / a[0];
    EXPECT_GE(f, 0.1) << g.name;
    EXPECT_LE(f, 10.0) << g.name;
    EXPECT_NEAR((b - f * a).cwiseAbs().maxCoeff(), 0.0, 1e-12 * a.cwiseAbs().maxCoeff()) << g.name;
    factors.insert(f);
  }
  EXPECT_EQ(factors.size(), 2u);  // each weight matrix its own factor
  EXPECT_THROW(rt.set_init_rescale(-1.0), Error);
}

// A family of three nets (the 4-6-3 command task, a wider one and one with two hidden layers,
// with their own batch sizes and width-aware steps): both algorithms run, the trajectories use
// every member, and a resumed run equals the uninterrupted one.
TEST(TaskDistribution, TrainerMetaTrainsOverAFamilyAndResumesExactly) {
  static const ProjectedDataset d4 = test_support::synthetic_dataset(4, 3, 300, 50, 11, 1.0);
  static const ProjectedDataset d6 = test_support::synthetic_dataset(6, 3, 300, 50, 13, 1.0);
  const MlpTask t0(d4, MlpConfig{{4, 6, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  const MlpTask t1(d6, MlpConfig{{6, 10, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  const MlpTask t2(d4, MlpConfig{{4, 5, 5, 3}, Activation::Relu, 0.0, 1.0}, 300, 0);
  PsdMetaTrainConfig c = test_support::tiny_gps_config();
  c.eval_trajectories = 4;
  c.gps.sampling.horizon = 15;
  c.gps.sampling.trajectories = 8;
  c.gps.sampling.coordinates_per_group = 6;
  c.regression.epochs = 3;
  c.regression.init_epochs = 20;
  c.arch.step_scaling.rule = StepScaling::Rule::FanIn;
  c.distribution.tasks = 2;
  c.distribution.rescale_log10 = 0.3;
  const std::vector<FamilyMember> family{{&t0, 16}, {&t1, 8}, {&t2, 32}};
  for (GpsAlgorithm algorithm : {GpsAlgorithm::Badmm, GpsAlgorithm::Mdgps}) {
    c.gps.algorithm = algorithm;
    PsdGpsTrainer full(family, c, 6);
    EXPECT_EQ(full.family_size(), 3);
    const InitReport init = full.initialise();
    EXPECT_TRUE(std::isfinite(init.pi_meta_loss));
    EXPECT_EQ(full.policy().config().arch.step_scaling.reference_hidden_fan_in, 4.0);
    EXPECT_EQ(full.policy().config().arch.step_scaling.reference_output_fan_in, 6.0);
    nlohmann::json after1;
    while (!full.finished()) {
      const IterationReport r = full.run_iteration();
      EXPECT_TRUE(std::isfinite(r.pi_meta_loss)) << to_string(algorithm);
      EXPECT_EQ(r.groups.size(), 4u);
      if (full.iterations_done() == 1) after1 = full.checkpoint();
    }
    PsdGpsTrainer resumed(family, c, 6);
    resumed.restore(nlohmann::json::parse(after1.dump()), "test checkpoint");
    while (!resumed.finished()) resumed.run_iteration();
    EXPECT_EQ(resumed.policy().params(), full.policy().params()) << to_string(algorithm);
  }
  // The family must match the distribution.
  EXPECT_THROW(PsdGpsTrainer(std::vector<FamilyMember>{{&t0, 16}}, c, 6), Error);
}

}  // namespace
}  // namespace l2o::gps
