// save_state / load_state: a restored run continues bit for bit; states of another policy or
// layout are refused.
#include <gtest/gtest.h>

#include <cstring>

#include "l2o/core/error.hpp"
#include "l2o/psd_small/psd_small_optimizer.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

TEST(PsdSmallState, ResumesBitForBit) {
  const ParamLayout layout = mlp_param_layout({10, 20, 3});
  const PsdSmallPolicy policy = test::random_small_policy({}, 6);
  auto a = make_psd_small(policy);
  a->init(layout);
  Vec x = test::random_vec(layout.dim, 1), delta;
  auto grad = [&](int t) { return test::random_vec(layout.dim, 200 + t, 1e-2); };
  for (int t = 0; t < 4; ++t) {
    a->step({x, 3.0 - 0.1 * t, grad(t), nullptr, 16}, delta);
    x += delta;
  }
  const std::string saved = a->save_state().dump();
  auto b = make_psd_small(policy);  // restored without init()
  b->load_state(nlohmann::json::parse(saved));
  auto c = make_psd_small(policy);  // restored after init() with the same layout
  c->init(layout);
  c->load_state(nlohmann::json::parse(saved));
  EXPECT_EQ(b->save_state().dump(), saved);
  Vec da, db, dc;
  for (int t = 4; t < 8; ++t) {
    a->step({x, 3.0 - 0.1 * t, grad(t), nullptr, 16}, da);
    b->step({x, 3.0 - 0.1 * t, grad(t), nullptr, 16}, db);
    c->step({x, 3.0 - 0.1 * t, grad(t), nullptr, 16}, dc);
    EXPECT_TRUE(same_bits(da, db)) << t;
    EXPECT_TRUE(same_bits(da, dc)) << t;
    x += da;
  }
}

TEST(PsdSmallState, RefusesAnotherPolicyOrLayout) {
  const ParamLayout layout = mlp_param_layout({10, 20, 3});
  auto a = make_psd_small(test::random_small_policy({}, 6));
  a->init(layout);
  Vec delta;
  a->step({test::random_vec(layout.dim, 1), 1.0, test::random_vec(layout.dim, 2)}, delta);
  const nlohmann::json saved = a->save_state();
  auto other = make_psd_small(test::random_small_policy({}, 7));
  try {
    other->load_state(saved);
    FAIL() << "loaded another policy's state";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different policy"), std::string::npos) << e.what();
  }
  auto wrong = make_psd_small(test::random_small_policy({}, 6));
  wrong->init(mlp_param_layout({10, 21, 3}));
  EXPECT_THROW(wrong->load_state(saved), Error);
  auto shape = make_psd_small(test::random_small_policy({}, 6));
  ParamLayout swapped = layout;
  std::swap(swapped.groups[0].rows, swapped.groups[0].cols);  // same size, another shape
  shape->init(swapped);
  EXPECT_THROW(shape->load_state(saved), Error);
  nlohmann::json truncated = saved;
  truncated["moments"] = "AAAA";
  EXPECT_THROW(make_psd_small(test::random_small_policy({}, 6))->load_state(truncated), Error);
}

TEST(PsdSmallState, StateBeforeInitRestoresNothing) {
  auto a = make_psd_small(test::random_small_policy({}, 6));
  const nlohmann::json saved = a->save_state();
  EXPECT_EQ(saved.at("dim"), -1);
  auto b = make_psd_small(test::random_small_policy({}, 6));
  EXPECT_NO_THROW(b->load_state(saved));
}
}  // namespace
}  // namespace l2o
