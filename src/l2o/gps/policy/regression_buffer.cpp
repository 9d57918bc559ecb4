#include "l2o/gps/policy/regression_buffer.hpp"

#include <utility>

namespace l2o::gps {

void RegressionBuffer::push(std::vector<RegressionSet> sets) {
  if (capacity_ == 0) return;
  iterations_.push_back(std::move(sets));
  while (iterations_.size() > capacity_) iterations_.pop_front();
}

std::vector<const RegressionSet*> RegressionBuffer::with(const std::vector<RegressionSet>& current) const {
  std::vector<const RegressionSet*> out;
  for (const auto& s : current) out.push_back(&s);
  for (const auto& sets : iterations_)
    for (const auto& s : sets) out.push_back(&s);
  return out;
}

nlohmann::json RegressionBuffer::save() const {
  auto out = nlohmann::json::array();
  for (const auto& sets : iterations_) {
    auto a = nlohmann::json::array();
    for (const auto& s : sets) a.push_back(s.save());
    out.push_back(std::move(a));
  }
  return out;
}

void RegressionBuffer::load(const nlohmann::json& j) {
  iterations_.clear();
  for (const auto& a : j) {
    std::vector<RegressionSet> sets;
    for (const auto& s : a) sets.push_back(RegressionSet::load(s));
    iterations_.push_back(std::move(sets));
  }
}

}  // namespace l2o::gps
