#pragma once
// The PSD features in one include: settings, observation features Psi (policy input) and state
// features Phi (meta-training). See docs/psd.md, "Features".
#include "l2o/psd/feature_config.hpp"
#include "l2o/psd/observation_features.hpp"
#include "l2o/psd/state_features.hpp"
