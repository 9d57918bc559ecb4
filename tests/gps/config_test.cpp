// GpsConfig: defaults are valid and documented values, JSON round trip, clear errors.
#include "l2o/gps/config.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "l2o/core/error.hpp"

namespace l2o::gps {
namespace {

std::string error_of(const nlohmann::json& j) {
  try {
    gps_config_from_json(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GpsConfig, DefaultsAreValidAndMatchTheSources) {
  const GpsConfig c;
  EXPECT_NO_THROW(c.validate());
  EXPECT_DOUBLE_EQ(c.trust_region.kl_step, 0.2);
  EXPECT_DOUBLE_EQ(c.badmm.dual_rate, 0.1);
  EXPECT_DOUBLE_EQ(c.badmm.init_nu, 0.01);
  EXPECT_DOUBLE_EQ(c.badmm.lg_step, 10.0);
  EXPECT_EQ(c.badmm.inner_iterations, 4);
  EXPECT_DOUBLE_EQ(c.step_size.min_step_mult, 0.01);
  EXPECT_DOUBLE_EQ(c.step_size.max_step_mult, 10.0);
  EXPECT_DOUBLE_EQ(c.trust_region.kappa_min, 1e-8);
  EXPECT_DOUBLE_EQ(c.trust_region.kappa_max, 1e16);
  EXPECT_EQ(c.dynamics_prior.max_clusters, 10);
  EXPECT_EQ(c.sampling.horizon, 400);
  EXPECT_EQ(c.sampling.trajectories, 20);
}

TEST(GpsConfig, JsonRoundTripKeepsEveryField) {
  GpsConfig c;
  c.trust_region.kl_step = 0.35;
  c.trust_region.lqg.pd_delta_init = 1e-3;
  c.badmm.nu_rule = NuRule::MeanStd;
  c.badmm.precision_scaled_lambda = false;
  c.cost.weighting = CostWeighting::Uniform;
  c.dynamics_prior.max_points = 1234;
  c.policy_prior.strength = 3.5;
  c.sampling.coordinates_per_group = 77;
  const nlohmann::json j = to_json(c);
  const GpsConfig back = gps_config_from_json(j);
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.badmm.nu_rule, NuRule::MeanStd);
  EXPECT_EQ(back.cost.weighting, CostWeighting::Uniform);
  EXPECT_EQ(back.dynamics_prior.max_points, 1234);
  EXPECT_DOUBLE_EQ(back.trust_region.lqg.pd_delta_init, 1e-3);
  EXPECT_EQ(j["badmm"]["nu_rule"], "mean_std");
}

TEST(GpsConfig, MissingFieldsKeepDefaults) {
  const GpsConfig c = gps_config_from_json(nlohmann::json::parse(R"({"badmm": {"dual_rate": 0.5}})"));
  EXPECT_DOUBLE_EQ(c.badmm.dual_rate, 0.5);
  EXPECT_DOUBLE_EQ(c.badmm.init_nu, 0.01);
  EXPECT_DOUBLE_EQ(c.trust_region.kl_step, 0.2);
}

TEST(GpsConfig, ErrorsNameTheField) {
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"badmm": {"dual_rat": 0.5}})")).find("badmm.dual_rat"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"lqr": {}})")).find("'lqr'"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"trust_region": {"kl_step": -1}})")).find("trust_region.kl_step"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"trust_region": {"kl_step": "big"}})")).find("must be a number"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"sampling": {"horizon": 2.5}})")).find("sampling.horizon"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"badmm": {"nu_rule": "sometimes"}})")).find("nu_rule"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"step_size": {"init_step_mult": 50}})")).find("init_step_mult"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse("[1, 2]")).find("object"), std::string::npos);
}

// The field tables refuse what a document can hold but no setting means: infinity (in JSON built in
// code; nlohmann refuses to parse 1e999), integers that are not whole or do not fit, values set in
// code outside their range.
TEST(GpsConfig, RefusesNonFiniteAndNonWholeNumbers) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NE(error_of({{"trust_region", {{"kl_step", inf}}}}).find("trust_region.kl_step"), std::string::npos);
  EXPECT_NE(error_of({{"badmm", {{"lg_step", -inf}}}}).find("badmm.lg_step must be finite"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"sampling": {"horizon": 1e12}})")).find("sampling.horizon is out of range"),
            std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::parse(R"({"dynamics_prior": {"max_points": -3}})")).find("max_points must be >= 2"),
            std::string::npos);
  GpsConfig c;
  c.cost.scale = std::numeric_limits<double>::infinity();
  EXPECT_THROW(c.validate(), Error);
}

// Every field is in the table, so writing and reading gives back every value, defaults included.
TEST(GpsConfig, TableCoversEveryField) {
  const nlohmann::json j = to_json(GpsConfig{});
  EXPECT_EQ(j.size(), gps_config_fields().size());
  EXPECT_EQ(j["trust_region"].size(), 11u);
  EXPECT_EQ(j["badmm"].size(), 13u);
  EXPECT_EQ(to_json(gps_config_from_json(j)), j);
}

TEST(GpsConfig, ValidateCatchesInconsistentBounds) {
  GpsConfig c;
  c.trust_region.kappa_min = 1e3;
  c.trust_region.kappa_max = 1.0;
  EXPECT_THROW(c.validate(), Error);
  GpsConfig d;
  d.badmm.nu_decrease = 1.5;
  EXPECT_THROW(d.validate(), Error);
}

}  // namespace
}  // namespace l2o::gps
