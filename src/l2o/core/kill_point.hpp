#pragma once
// Named places where the process-level kill-and-resume tests stop l2o with SIGKILL, so that they
// can hit exact moments (half a checkpoint on disk, a run finished but not yet counted) that a kill
// from outside would hit only by luck. $L2O_KILL_AT="NAME:N" kills the process the N-th time (from
// 1) the point NAME is reached; unset (always, outside the tests) the check is one getenv per call
// at start-up and a comparison afterwards. "NAME:N@R" kills only MPI rank R (core/distributed.hpp).
// $L2O_THROW_AT (same form) throws l2o::Error there instead: a failure on one rank.
//
// Points: "atomic-write" (a temporary file is complete but not yet renamed into place),
// "checkpoint" (a meta-training checkpoint is in place), "run-kept" (a bench/tune run is stored),
// "trajectory" (a GPS rollout finished one trajectory, on the rank that ran it).
namespace l2o {
void kill_point(const char* name);
}  // namespace l2o
