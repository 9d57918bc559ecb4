// Meta-training on a tiny task: it lowers the meta-loss, a resumed run equals an uninterrupted
// one, checkpoints are checked, and the training seeds stay off the validation seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "l2o/core/error.hpp"
#include "l2o/l2l/meta_trainer.hpp"
#include "support/synthetic_data.hpp"

namespace l2o {
namespace {

struct TinySetup {
  ProjectedDataset data = test_support::synthetic_dataset(6, 3, 200, 20, 17);
  MlpTask task{data, MlpConfig{{6, 8, 3}, Activation::Relu, 0.0, 1.0}, -1};
  L2LTrainOptions options() const {
    L2LTrainOptions o;
    o.horizon = 40;
    o.unroll = 10;
    o.batch = 16;
    o.epochs = 30;
    o.seed = 3;
    o.meta_lr = 3e-3;
    o.val_every = 10;
    o.val_seeds = 2;
    o.val_eval_every = 1;
    return o;
  }
};

TEST(L2LMetaTrainer, LowersTheMetaLossOnATinyTask) {
  TinySetup t;
  L2LMetaTrainer trainer(t.task, t.options(), L2LSettings{});
  const double initial = trainer.validate(trainer.policy());
  // The untrained policy (zero read-out) does not move: its meta-loss is horizon * f(theta_0).
  EXPECT_GT(initial, 0.0);
  std::vector<double> train_losses;
  while (!trainer.finished()) train_losses.push_back(trainer.run_epoch().meta_loss);
  const double trained = trainer.validate(trainer.best_policy());
  EXPECT_EQ(trainer.best_validation(), trained);
  EXPECT_LT(trained, 0.4 * initial) << "initial " << initial << ", trained " << trained;
  // The minibatch meta-loss of the training episodes falls too (first vs last five epochs).
  double early = 0.0, late = 0.0;
  for (int i = 0; i < 5; ++i) {
    early += train_losses[static_cast<size_t>(i)];
    late += train_losses[train_losses.size() - 1 - static_cast<size_t>(i)];
  }
  EXPECT_LT(late, 0.6 * early);
  EXPECT_GT(trainer.best_epoch(), 0);
  EXPECT_EQ(trainer.history().size(), 30u);
  EXPECT_EQ(trainer.history().back().updates, 4);  // 40 steps in segments of 10
}

TEST(L2LMetaTrainer, ResumedRunEqualsUninterruptedRun) {
  TinySetup t;
  L2LTrainOptions o = t.options();
  o.epochs = 6;
  o.val_every = 2;
  L2LMetaTrainer full(t.task, o, L2LSettings{});
  while (!full.finished()) full.run_epoch();

  L2LMetaTrainer first(t.task, o, L2LSettings{});
  for (int e = 0; e < 3; ++e) first.run_epoch();
  // Through text, as the checkpoint file carries it.
  const nlohmann::json ck = nlohmann::json::parse(first.checkpoint().dump());
  L2LMetaTrainer second(t.task, o, L2LSettings{});
  second.restore(ck, "ck.json");
  EXPECT_EQ(second.epochs_done(), 3);
  while (!second.finished()) second.run_epoch();

  EXPECT_EQ(second.policy().params(), full.policy().params());
  EXPECT_EQ(second.best_policy().params(), full.best_policy().params());
  EXPECT_EQ(second.best_validation(), full.best_validation());
  EXPECT_EQ(second.best_epoch(), full.best_epoch());
  ASSERT_EQ(second.history().size(), full.history().size());
  for (size_t i = 0; i < full.history().size(); ++i) {
    EXPECT_EQ(second.history()[i].meta_loss, full.history()[i].meta_loss) << i;
    EXPECT_EQ(second.history()[i].validation, full.history()[i].validation) << i;
  }
}

TEST(L2LMetaTrainer, RestoreRejectsMismatchedCheckpoints) {
  TinySetup t;
  L2LTrainOptions o = t.options();
  o.epochs = 1;
  L2LMetaTrainer trainer(t.task, o, L2LSettings{}, {{"dataset", "synthetic"}});
  trainer.run_epoch();
  const nlohmann::json ck = trainer.checkpoint();

  L2LTrainOptions other = o;
  other.meta_lr = 1e-2;
  L2LMetaTrainer a(t.task, other, L2LSettings{}, {{"dataset", "synthetic"}});
  try {
    a.restore(ck, "ck.json");
    FAIL() << "restored with another meta_lr";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("meta_lr"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ck.json"), std::string::npos) << e.what();
  }
  L2LMetaTrainer b(t.task, o, L2LSettings{}, {{"dataset", "mnist"}});
  EXPECT_THROW(b.restore(ck, "ck.json"), Error);
  L2LSettings small;
  small.layers = {10};
  L2LMetaTrainer c(t.task, o, small, {{"dataset", "synthetic"}});
  EXPECT_THROW(c.restore(ck, "ck.json"), Error);
  nlohmann::json broken = ck;
  broken["params"].erase(0);
  L2LMetaTrainer d(t.task, o, L2LSettings{}, {{"dataset", "synthetic"}});
  EXPECT_THROW(d.restore(broken, "ck.json"), Error);
  EXPECT_THROW(d.restore(nlohmann::json{{"format", "something-else"}}, "ck.json"), Error);
  // Integers out of their type's range (a float such as 1e300 in an int field) are refused with
  // the file named, not converted (undefined behaviour, found by fuzz_json).
  for (const char* field : {"epoch", "version"}) {
    nlohmann::json huge = ck;
    huge[field] = 1e300;
    try {
      d.restore(huge, "ck.json");
      FAIL() << field << " = 1e300 accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("ck.json"), std::string::npos) << e.what();
    }
  }
  nlohmann::json huge_history = ck;
  huge_history["history"][0]["updates"] = -1e300;
  EXPECT_THROW(d.restore(huge_history, "ck.json"), Error);

  // More epochs than the checkpoint's run is allowed (extending a run).
  L2LTrainOptions longer = o;
  longer.epochs = 5;
  L2LMetaTrainer e(t.task, longer, L2LSettings{}, {{"dataset", "synthetic"}});
  e.restore(ck, "ck.json");
  EXPECT_EQ(e.epochs_done(), 1);
  EXPECT_FALSE(e.finished());
}

TEST(L2LMetaTrainer, TrainingSeedsStayInTheirRangeAndOffValidationSeeds) {
  TinySetup t;
  L2LTrainOptions o = t.options();
  L2LMetaTrainer trainer(t.task, o, L2LSettings{});
  for (int e = 1; e <= 2000; ++e) {
    const std::uint64_t s = trainer.episode_seed(e);
    ASSERT_GE(s, 1u);
    ASSERT_LE(s, 899u);
  }
  EXPECT_NE(trainer.episode_seed(1), trainer.episode_seed(2));
  o.val_seed_first = 800;  // 800..802 overlaps the training seeds 1..899
  EXPECT_THROW(L2LMetaTrainer(t.task, o, L2LSettings{}), Error);
}

TEST(L2LMetaTrainer, CheckpointFilesAreWrittenAtomicallyAndReadBack) {
  const std::string dir = (std::filesystem::path(L2O_BINARY_DIR) / "test_l2l_tmp").string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/ck.json";
  write_json_atomically(path, {{"a", 1.5}});
  EXPECT_EQ(read_json_file(path, "checkpoint")["a"], 1.5);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  {
    std::ofstream out(dir + "/truncated.json");
    out << "{\"a\": [1, 2";
  }
  EXPECT_THROW(read_json_file(dir + "/truncated.json", "checkpoint"), Error);
  EXPECT_THROW(read_json_file(dir + "/missing.json", "checkpoint"), Error);
}
}  // namespace
}  // namespace l2o
