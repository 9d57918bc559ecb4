#include "l2o/core/distributed.hpp"

#include <fmt/core.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

#include "l2o/core/byte_buffer.hpp"

#ifdef L2O_HAVE_MPI
#include <mpi.h>
#endif

namespace l2o::dist {

CollectiveError::CollectiveError(int rank, const std::string& message)
    : Error(fmt::format("rank {}: {}", rank, message)), rank_(rank) {}

namespace {

Stats g_stats;
int g_rank = 0, g_size = 1;
bool g_active = false;
std::chrono::steady_clock::time_point g_start;

#ifdef L2O_HAVE_MPI
// Started by an MPI launcher? (OpenMPI's mpirun, PMIx or PMI launchers such as srun.) Without one
// the process stays a plain single process: no singleton MPI start-up, exactly as without MPI.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

class CommTimer {
 public:
  CommTimer() : t0_(std::chrono::steady_clock::now()) { ++g_stats.collectives; }
  ~CommTimer() { g_stats.comm_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_;
};

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    abort(fmt::format("{} failed: {}", what, std::string(msg, static_cast<std::size_t>(len))));
  }
}

int count_of(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX))
    abort(fmt::format("{}: {} bytes from one rank exceed MPI's limit of {} per message", what, n, INT_MAX));
  return static_cast<int>(n);
}
#endif

}  // namespace

Session::Session(int* argc, char*** argv) {
  g_start = std::chrono::steady_clock::now();
#ifdef L2O_HAVE_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  // Only the main thread calls MPI (the ranks' threads run items, not communication).
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_active = true;
  if (g_rank != 0) {
    std::fflush(stdout);
    if (!std::freopen("/dev/null", "w", stdout)) abort("cannot send the standard output of a non-root rank to /dev/null");
  }
#else
  (void)argc;
  (void)argv;
#endif
}

Session::~Session() {
  if (std::getenv("L2O_DIST_STATS")) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
    fmt::print(stderr,
               "l2o: rank {} of {}: wall {:.3f} s, distributed loops {:.3f} s, communication {:.3f} s, sent {} B, "
               "received {} B, {} collectives\n",
               g_rank, g_size, wall, g_stats.loop_seconds, g_stats.comm_seconds, g_stats.bytes_sent,
               g_stats.bytes_received, g_stats.collectives);
  }
#ifdef L2O_HAVE_MPI
  if (g_active) {
    std::fflush(stdout);
    MPI_Finalize();
    g_active = false;
  }
#endif
}

bool built_with_mpi() {
#ifdef L2O_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool active() { return g_active; }
int rank() { return g_rank; }
int size() { return g_size; }

void barrier() {
#ifdef L2O_HAVE_MPI
  if (!g_active) return;
  CommTimer timer;
  check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
}

std::vector<std::string> allgather(const std::string& mine) {
#ifdef L2O_HAVE_MPI
  if (g_active && g_size > 1) {
    CommTimer timer;
    int n = count_of(mine.size(), "allgather");
    std::vector<int> counts(static_cast<std::size_t>(g_size)), displs(static_cast<std::size_t>(g_size));
    check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    long long total = 0;
    for (int r = 0; r < g_size; ++r) {
      displs[static_cast<std::size_t>(r)] = static_cast<int>(total);
      total += counts[static_cast<std::size_t>(r)];
      if (total > INT_MAX) abort(fmt::format("allgather: {} bytes in all exceed MPI's limit of {}", total, INT_MAX));
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    check(MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    g_stats.bytes_sent += static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(g_size - 1) + sizeof(int) * (g_size - 1);
    g_stats.bytes_received += static_cast<std::uint64_t>(total - n) + sizeof(int) * (g_size - 1);
    std::vector<std::string> out;
    for (int r = 0; r < g_size; ++r)
      out.push_back(all.substr(static_cast<std::size_t>(displs[static_cast<std::size_t>(r)]),
                               static_cast<std::size_t>(counts[static_cast<std::size_t>(r)])));
    return out;
  }
#endif
  return {mine};
}

std::string broadcast(const std::string& bytes, int root) {
#ifdef L2O_HAVE_MPI
  if (g_active && g_size > 1) {
    CommTimer timer;
    unsigned long long n = bytes.size();
    check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
    std::string out = g_rank == root ? bytes : std::string(static_cast<std::size_t>(n), '\0');
    check(MPI_Bcast(out.data(), count_of(out.size(), "broadcast"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    if (g_rank == root)
      g_stats.bytes_sent += (n + sizeof(n)) * static_cast<std::uint64_t>(g_size - 1);
    else
      g_stats.bytes_received += n + sizeof(n);
    return out;
  }
#endif
  (void)root;
  return bytes;
}

void abort(const std::string& message, int code) {
  std::fflush(stdout);
  fmt::print(stderr, "l2o: error: rank {} of {}: {}\n", g_rank, g_size, message);
  std::fflush(stderr);
#ifdef L2O_HAVE_MPI
  if (g_active) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

long sum(long mine) {
  if (g_size == 1) return mine;
  ByteWriter w;
  w.put<std::int64_t>(mine);
  long total = 0;
  for (const std::string& b : allgather(w.take())) {
    ByteReader r(b, "sum");
    total += static_cast<long>(r.get<std::int64_t>());
  }
  return total;
}

std::vector<std::size_t> share(std::size_t n) {
  std::vector<std::size_t> mine;
  for (std::size_t i = static_cast<std::size_t>(g_rank); i < n; i += static_cast<std::size_t>(g_size)) mine.push_back(i);
  return mine;
}

std::vector<std::string> exchange(
    std::size_t n, const std::function<void(const std::vector<std::size_t>& mine, std::vector<std::string>& out)>& run) {
  const std::vector<std::size_t> mine = share(n);
  std::vector<std::string> items;
  if (g_size == 1) {  // the single process: no copies, the exception itself
    run(mine, items);
    if (items.size() != n) throw Error(fmt::format("distributed loop: {} results for {} items", items.size(), n));
    return items;
  }
  // This rank's blob: a status byte, then its items (length-prefixed) or the error's message.
  ByteWriter w;
  try {
    run(mine, items);
    if (items.size() != mine.size())
      throw Error(fmt::format("distributed loop: {} results for {} items", items.size(), mine.size()));
    w.put_bool(true);
    for (const std::string& s : items) w.put_string(s);
  } catch (const std::exception& e) {
    w = ByteWriter();
    w.put_bool(false);
    w.put_string(e.what());
  } catch (...) {
    w = ByteWriter();
    w.put_bool(false);
    w.put_string("unknown exception");
  }
  items.clear();
  const std::vector<std::string> blobs = allgather(w.take());
  std::vector<std::vector<std::string>> per_rank(blobs.size());
  for (std::size_t r = 0; r < blobs.size(); ++r) {
    ByteReader rd(blobs[r], fmt::format("distributed loop: the results of rank {}", r));
    if (!rd.get_bool()) throw CollectiveError(static_cast<int>(r), rd.get_string());
    while (!rd.done()) per_rank[r].push_back(rd.get_string());
  }
  std::vector<std::string> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& from = per_rank[i % per_rank.size()];
    const std::size_t k = i / per_rank.size();
    if (k >= from.size()) throw Error(fmt::format("distributed loop: rank {} sent no result for item {}", i % per_rank.size(), i));
    out[i] = std::move(from[k]);
  }
  return out;
}

Stats stats() { return g_stats; }

LoopTimer::LoopTimer() : t0_(std::chrono::steady_clock::now()) {}
LoopTimer::~LoopTimer() {
  g_stats.loop_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

}  // namespace l2o::dist
