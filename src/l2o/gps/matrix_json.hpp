#pragma once
// Exact JSON encodings of Eigen data for the meta-training checkpoint: float64 little-endian in
// base64 (core/base64.hpp) plus the shape, so a resumed run continues bit for bit.
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/core/types.hpp"
#include "l2o/gps/dynamics/linear_gaussian.hpp"

namespace l2o::gps {

nlohmann::json vec_to_json(const Vec& v);
Vec vec_from_json(const nlohmann::json& j);  // throws l2o::Error on malformed input
nlohmann::json mat_to_json(const Mat& m);
Mat mat_from_json(const nlohmann::json& j);
nlohmann::json mats_to_json(const std::vector<Mat>& ms);
std::vector<Mat> mats_from_json(const nlohmann::json& j);
nlohmann::json vecs_to_json(const std::vector<Vec>& vs);
std::vector<Vec> vecs_from_json(const nlohmann::json& j);
nlohmann::json policy_to_json(const LinearGaussianPolicy& p);
LinearGaussianPolicy policy_from_json(const nlohmann::json& j);

}  // namespace l2o::gps
