#include "l2o/gps/algorithm/algorithm.hpp"

namespace l2o::gps {

const Algorithm& algorithm_for(const GpsConfig& config, int iteration) {
  const bool mdgps = config.algorithm == GpsAlgorithm::Mdgps && iteration >= config.mdgps.badmm_iterations;
  return mdgps ? mdgps_algorithm() : badmm_algorithm();
}

}  // namespace l2o::gps
