// save_state / load_state restore the state exactly: k steps, save (through JSON text), restore
// into a fresh instance, continue -- bit-identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/optim/registry.hpp"
#include "l2o/optim/state_json.hpp"
#include "test_problems.hpp"

namespace l2o {
namespace {

using nlohmann::json;

// Hyper-parameters that switch on every piece of state (Nesterov, RMSprop momentum, small
// L-BFGS memory so that pairs get dropped).
json hyper_for(const std::string& name) {
  if (name == "momentum") return {{"lr", 0.02}, {"nesterov", true}};
  if (name == "rmsprop") return {{"lr", 0.01}, {"momentum", 0.5}};
  if (name == "lbfgs") return {{"memory", 3}};
  if (name == "cg") return {{"restart_every", 4}};
  return {{"lr", 0.02}};
}

void expect_resumes_exactly(const std::string& name, bool with_eval) {
  const test::Quadratic base = test::random_quadratic(Vec::LinSpaced(5, 1.0, 20.0), 61);
  const auto batches = test::noisy_quadratic(base, 0.1, 3);
  const Vec x0 = Vec::Ones(5);
  const int k = 6, total = 12;

  auto straight = make_hand_designed(name, hyper_for(name));
  straight->init(ParamLayout::single(5));
  const auto xs = test::run_steps(*straight, batches, x0, total, with_eval);

  auto first = make_hand_designed(name, hyper_for(name));
  first->init(ParamLayout::single(5));
  const auto head = test::run_steps(*first, batches, x0, k, with_eval);
  const std::string saved = first->save_state().dump();

  auto resumed = make_hand_designed(name, hyper_for(name));
  resumed->load_state(json::parse(saved));
  EXPECT_EQ(resumed->save_state(), first->save_state()) << name;
  const auto tail = test::run_steps(
      *resumed, [&](int t) { return batches(t + k); }, head.back(), total - k, with_eval);
  for (int t = 0; t <= total - k; ++t) {
    ASSERT_EQ(tail[t], xs[t + k]) << name << " iteration " << t + k
                                  << (with_eval ? "" : " (no eval)");
  }
  EXPECT_EQ(resumed->save_state(), straight->save_state()) << name;
}

TEST(State, EveryOptimizerResumesBitForBit) {
  for (const auto& name : hand_designed_names()) expect_resumes_exactly(name, true);
}

TEST(State, LineSearchMethodsResumeBitForBitWithoutEval) {
  expect_resumes_exactly("cg", false);
  expect_resumes_exactly("lbfgs", false);
}

TEST(State, NonFiniteNumbersSurviveJsonText) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Vec v = (Vec(5) << 0.1, nan, inf, -inf, 1e-310).finished();
  const json state = json::parse(json{{"optimizer", "x"}, {"dim", 5}, {"v", encode_vec(v)}}.dump());
  const Vec back = StateReader("x", state).vec("v", 5);
  EXPECT_EQ(back[0], 0.1);
  EXPECT_TRUE(std::isnan(back[1]));
  EXPECT_EQ(back[2], inf);
  EXPECT_EQ(back[3], -inf);
  EXPECT_EQ(back[4], 1e-310);
}

TEST(State, LoadRejectsForeignOrDamagedState) {
  auto adam = make_hand_designed("adam", json::object());
  adam->init(ParamLayout::single(3));
  const json good = adam->save_state();

  auto other = make_hand_designed("rmsprop", json::object());
  EXPECT_THROW(other->load_state(good), Error);  // written by adam

  auto wrong_dim = make_hand_designed("adam", json::object());
  wrong_dim->init(ParamLayout::single(4));
  EXPECT_THROW(wrong_dim->load_state(good), Error);

  json missing = good;
  missing.erase("m");
  EXPECT_THROW(make_hand_designed("adam", json::object())->load_state(missing), Error);

  json short_vec = good;
  short_vec["v"] = json::array({0.0, 0.0});
  try {
    make_hand_designed("adam", json::object())->load_state(short_vec);
    FAIL() << "a short vector was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'v'"), std::string::npos) << e.what();
  }

  auto lbfgs = make_hand_designed("lbfgs", {{"memory", 2}});
  json too_many = make_hand_designed("lbfgs", json::object())->save_state();
  too_many["dim"] = 1;
  too_many["s"] = json::array({json::array({1.0}), json::array({1.0}), json::array({1.0})});
  too_many["y"] = too_many["s"];
  too_many["rho"] = json::array({1.0, 1.0, 1.0});
  EXPECT_THROW(lbfgs->load_state(too_many), Error);
}

TEST(State, AFailedLoadLeavesTheOptimizerUnchanged) {
  auto adam = make_hand_designed("adam", json::object());
  const test::Quadratic q = test::random_quadratic(Vec::LinSpaced(3, 1.0, 3.0), 1);
  test::run_steps(*adam, q.fn(), Vec::Ones(3), 3);
  const json before = adam->save_state();
  json broken = before;
  broken["v"] = "oops";
  EXPECT_THROW(adam->load_state(broken), Error);
  EXPECT_EQ(adam->save_state(), before);
}
}  // namespace
}  // namespace l2o
