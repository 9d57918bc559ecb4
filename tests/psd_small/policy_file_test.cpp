// PSD-small policy files (method "psd-small"): exact round trip, the flat parameter view, and
// the errors loading reports, each naming the file and the field.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "l2o/core/error.hpp"
#include "l2o/psd_small/small_policy.hpp"
#include "small_test_util.hpp"

namespace l2o {
namespace {

PolicyFile round_trip(const PolicyFile& f) { return parse_policy(serialize_policy(f), "p.json"); }

// The error message of loading `f`, or "" when it loads.
std::string load_error(const PolicyFile& f) {
  try {
    PsdSmallPolicy::from_policy_file(f);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Tensor& tensor_named(PolicyFile& f, const std::string& name) {
  for (Tensor& t : f.tensors)
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

TEST(PsdSmallPolicyFile, RoundTripIsExact) {
  for (const std::vector<Index>& hidden : {std::vector<Index>{8, 8}, std::vector<Index>{5}}) {
    PsdSmallArchitecture arch;
    arch.hidden = hidden;
    arch.activation = SmallActivation::Tanh;
    arch.reference_batch = 128;
    const PsdSmallPolicy p = test::random_small_policy(arch, 3);
    const PolicyFile f = round_trip(p.to_policy_file());
    EXPECT_EQ(f.method, "psd-small");
    const PsdSmallPolicy q = PsdSmallPolicy::from_policy_file(f);
    EXPECT_EQ(q.parameters(), p.parameters());
    EXPECT_EQ(q.fingerprint(), p.fingerprint());
    EXPECT_EQ(q.arch().to_json(), p.arch().to_json());
    EXPECT_EQ(q.source(), "p.json");
  }
}

TEST(PsdSmallPolicyFile, FlatParametersFollowTheBlocks) {
  const PsdSmallPolicy p = test::random_small_policy({}, 4);
  const auto blocks = p.parameter_blocks();
  std::vector<std::string> names;
  Index total = 0;
  for (const auto& [name, n] : blocks) {
    names.push_back(name);
    total += n;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"w1", "b1", "wc", "w2", "b2", "w3", "b3", "u", "log_lr"}));
  EXPECT_EQ(total, p.num_parameters());
  EXPECT_EQ(total, 8 * 5 + 8 + 8 * 12 + 8 * 8 + 8 + 2 * 8 + 2 + 12 + 1);
  Vec theta = p.parameters();
  EXPECT_EQ(theta(total - 1), p.log_lr);
  EXPECT_EQ(theta(1), p.w1(1, 0));  // column-major
  theta(0) += 1.0;
  const PsdSmallPolicy q = p.with_parameters(theta);
  EXPECT_EQ(q.w1(0, 0), p.w1(0, 0) + 1.0);
  EXPECT_NE(q.fingerprint(), p.fingerprint());
  EXPECT_THROW(p.with_parameters(Vec::Zero(3)), Error);
  theta(2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(p.with_parameters(theta), Error);
}

TEST(PsdSmallPolicyFile, AdamEquivalentHasAZeroReadOut) {
  const PsdSmallPolicy p = PsdSmallPolicy::adam_equivalent({}, 3e-3, 1);
  EXPECT_TRUE(p.w3.isZero(0));
  EXPECT_TRUE(p.b3.isZero(0));
  EXPECT_TRUE(p.u.isZero(0));
  EXPECT_DOUBLE_EQ(p.log_lr, std::log(3e-3));
  EXPECT_FALSE(p.w1.isZero(0));
  EXPECT_EQ(PsdSmallPolicy::adam_equivalent({}, 3e-3, 1).parameters(), p.parameters());  // seeded
  EXPECT_NE(PsdSmallPolicy::adam_equivalent({}, 3e-3, 2).parameters(), p.parameters());
}

TEST(PsdSmallPolicyFile, LoadingReportsDefects) {
  const PolicyFile good = round_trip(test::random_small_policy({}, 5).to_policy_file());
  EXPECT_EQ(load_error(good), "");
  {
    PolicyFile f = good;
    f.architecture["version"] = 2;
    const std::string e = load_error(f);
    EXPECT_NE(e.find("p.json"), std::string::npos) << e;
    EXPECT_NE(e.find("'version'"), std::string::npos) << e;
  }
  {
    PolicyFile f = good;
    tensor_named(f, "w2").shape = {4, 16};
    const std::string e = load_error(f);
    EXPECT_NE(e.find("tensor 'w2' has shape [4, 16], the architecture needs [8, 8]"), std::string::npos) << e;
  }
  {
    PolicyFile f = good;
    f.architecture["activation"] = "gelu";
    const std::string e = load_error(f);
    EXPECT_NE(e.find("unknown activation 'gelu'"), std::string::npos) << e;
  }
  {
    PolicyFile f = good;
    tensor_named(f, "u").data(3) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_NE(load_error(f).find("tensor 'u' holds a non-finite value"), std::string::npos) << load_error(f);
    EXPECT_THROW(serialize_policy(f), Error);  // nor can it be saved
  }
  {
    PolicyFile f = good;
    f.tensors.erase(f.tensors.begin());
    EXPECT_NE(load_error(f).find("missing tensor 'w1'"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.tensors.push_back(f.tensors.front());
    f.tensors.back().name = "extra";
    EXPECT_NE(load_error(f).find("unexpected extra tensors"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.method = "psd";
    EXPECT_NE(load_error(f).find("not psd-small"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.architecture["hidden"] = {8, 8, 8};
    EXPECT_NE(load_error(f).find("'hidden'"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.architecture["betas"] = {0.5, 0.9, 1.0};
    EXPECT_NE(load_error(f).find("'betas'"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.architecture["context"][0] = "tanh_t_20";
    EXPECT_NE(load_error(f).find("'context'"), std::string::npos) << load_error(f);
  }
  {
    PolicyFile f = good;
    f.architecture["colour"] = "blue";
    EXPECT_NE(load_error(f).find("unknown field 'colour'"), std::string::npos) << load_error(f);
  }
}
}  // namespace
}  // namespace l2o
