#include "l2o/gps/matrix_json.hpp"
#include "l2o/core/json_integer.hpp"

#include <fmt/core.h>

#include "l2o/core/error.hpp"
#include "l2o/core/base64.hpp"

namespace l2o::gps {

nlohmann::json vec_to_json(const Vec& v) { return encode_float64(v); }

Vec vec_from_json(const nlohmann::json& j) {
  if (!j.is_string()) throw Error("checkpoint: expected a base64 float64 vector");
  return decode_float64_vec(j.get<std::string>());
}

nlohmann::json mat_to_json(const Mat& m) {
  return {{"rows", m.rows()}, {"cols", m.cols()}, {"data", encode_float64(m.data(), static_cast<std::size_t>(m.size()))}};
}

Mat mat_from_json(const nlohmann::json& j) {
  const Index r = json_integer<Index>(j.at("rows"), "rows"), c = json_integer<Index>(j.at("cols"), "cols");
  const std::vector<double> d = decode_float64(j.at("data").get<std::string>());
  // Sizes compared without multiplying them: r * c of two large counts would overflow.
  if (r < 0 || c < 0 || (c == 0 ? !d.empty() : (r > static_cast<Index>(d.size()) / c || r * c != static_cast<Index>(d.size()))))
    throw Error(fmt::format("checkpoint: a {} x {} matrix holds {} values", r, c, d.size()));
  Mat m(r, c);
  std::copy(d.begin(), d.end(), m.data());
  return m;
}

nlohmann::json mats_to_json(const std::vector<Mat>& ms) {
  auto a = nlohmann::json::array();
  for (const Mat& m : ms) a.push_back(mat_to_json(m));
  return a;
}

std::vector<Mat> mats_from_json(const nlohmann::json& j) {
  std::vector<Mat> out;
  for (const auto& e : j) out.push_back(mat_from_json(e));
  return out;
}

nlohmann::json vecs_to_json(const std::vector<Vec>& vs) {
  auto a = nlohmann::json::array();
  for (const Vec& v : vs) a.push_back(vec_to_json(v));
  return a;
}

std::vector<Vec> vecs_from_json(const nlohmann::json& j) {
  std::vector<Vec> out;
  for (const auto& e : j) out.push_back(vec_from_json(e));
  return out;
}

nlohmann::json policy_to_json(const LinearGaussianPolicy& p) {
  return {{"K", mats_to_json(p.K)}, {"k", vecs_to_json(p.k)}, {"cov", mats_to_json(p.cov)}};
}

LinearGaussianPolicy policy_from_json(const nlohmann::json& j) {
  return LinearGaussianPolicy::make(mats_from_json(j.at("K")), vecs_from_json(j.at("k")), mats_from_json(j.at("cov")),
                                    "checkpoint: guiding policy");
}

}  // namespace l2o::gps
