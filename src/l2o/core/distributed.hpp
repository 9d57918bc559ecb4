#pragma once
// Several processes of one l2o command, with MPI (docs/distributed.md). Every rank runs the same
// deterministic program; only the expensive loops (GPS trajectories, L2L validation runs, bench
// and tune runs) are split, item i going to rank i % size. The ranks then exchange the items'
// results as bytes, so that every rank holds all of them in index order and goes on exactly as a
// single process would: the results are bit-identical for any number of ranks. Rank 0 alone
// prints and writes files.
//
// Built without MPI (-DL2O_MPI=OFF, or no MPI found), or run without mpirun, every function here
// is the single-process case: rank 0 of 1, collectives that return their input.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "l2o/core/error.hpp"

namespace l2o::dist {

// Thrown identically on every rank when an item of a distributed loop failed on one of them; the
// message names that rank. Being an l2o::Error, it takes the path a local failure would take.
class CollectiveError : public Error {
 public:
  CollectiveError(int rank, const std::string& message);
  int failed_rank() const { return rank_; }

 private:
  int rank_;
};

// One per process, in main(): initialises MPI when the process was started by an MPI launcher
// (mpirun, srun: its environment says so) and finalises it at the end. Without one, or in a
// build without MPI, it does nothing. Ranks other than 0 send their standard output to /dev/null.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

bool built_with_mpi();
bool active();  // MPI is initialised and not finalised (size() may still be 1)
int rank();     // 0 without MPI
int size();     // 1 without MPI
inline bool is_root() { return rank() == 0; }

void barrier();
// Every rank's bytes, indexed by rank (a vector of one entry without MPI).
std::vector<std::string> allgather(const std::string& mine);
// Rank `root`'s bytes on every rank.
std::string broadcast(const std::string& bytes, int root = 0);
// Ends every rank of the job: prints "l2o: error: rank R of N: MESSAGE" on stderr, then MPI_Abort
// (without MPI: the message, then exit(code)).
[[noreturn]] void abort(const std::string& message, int code = 1);

// The sum over the ranks of an integer (the integer itself without MPI).
long sum(long mine);

// The items of [0, n) this rank runs: i with i % size() == rank(), ascending.
std::vector<std::size_t> share(std::size_t n);

// A distributed loop over n items. `run` is called once with this rank's share (see share()) and
// fills one byte string per item of it, in the share's order (it may use threads). The result is
// every item's bytes in index order, on every rank. If `run` throws on any rank, every rank throws
// CollectiveError naming the lowest such rank and its message; with one process the exception
// itself propagates unchanged.
std::vector<std::string> exchange(
    std::size_t n, const std::function<void(const std::vector<std::size_t>& mine, std::vector<std::string>& out)>& run);

// Counters of this process's communication, for docs/distributed.md's measurements: seconds
// inside MPI calls (waiting for the slowest rank included), bytes sent and received, collectives,
// and the seconds spent running this rank's share of distributed loops (LoopTimer). With
// $L2O_DIST_STATS set, each rank prints them on stderr at the end (Session's destructor).
struct Stats {
  double loop_seconds = 0.0;
  double comm_seconds = 0.0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  long collectives = 0;
};
Stats stats();

// Adds its lifetime to Stats::loop_seconds: wraps the part of a loop that is spread over ranks
// (in a single process too, so that the split is measured alike).
class LoopTimer {
 public:
  LoopTimer();
  ~LoopTimer();
  LoopTimer(const LoopTimer&) = delete;
  LoopTimer& operator=(const LoopTimer&) = delete;

 private:
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace l2o::dist
