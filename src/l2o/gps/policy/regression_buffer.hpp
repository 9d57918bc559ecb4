#pragma once
// The regression sets of earlier GPS iterations that pi's regression trains on besides the current
// iteration's (LFDA16 §4.3): regression.buffer_iterations counts the current one, so the buffer
// keeps the last buffer_iterations - 1, oldest first. Both the data and its order decide the
// regression's result, so the checkpoint stores the buffer as it is.
#include <cstddef>
#include <deque>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2o/gps/policy/policy_regression.hpp"

namespace l2o::gps {

class RegressionBuffer {
 public:
  // `iterations`: regression.buffer_iterations (1 or less: nothing is kept).
  explicit RegressionBuffer(int iterations = 1)
      : capacity_(iterations > 1 ? static_cast<std::size_t>(iterations - 1) : 0) {}

  // How many earlier iterations it keeps (0: push is a no-op).
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return iterations_.size(); }

  // Keeps one iteration's sets, dropping the oldest beyond the capacity.
  void push(std::vector<RegressionSet> sets);
  // What a regression trains on: `current` first, then the kept sets from the oldest iteration.
  std::vector<const RegressionSet*> with(const std::vector<RegressionSet>& current) const;

  // A JSON array (one entry per kept iteration, oldest first) of arrays of RegressionSet::save.
  nlohmann::json save() const;
  // Replaces the contents with a saved buffer; malformed input throws as RegressionSet::load does.
  void load(const nlohmann::json& j);

 private:
  std::size_t capacity_;
  std::deque<std::vector<RegressionSet>> iterations_;
};

}  // namespace l2o::gps
