// Runs WNet's hand-written kernels on libgomp's thread pool, the one oneDNN already uses.
//
// Sharing the pool matters on small machines: after each oneDNN call the OpenMP threads spin for a
// while, and kernels on other threads (Dispatch) would fight them for the cores. Measured on 2
// cores: inference 31 ms with Dispatch threads, 27 ms with OMP_WAIT_POLICY=passive; this shim makes
// the spinning threads take the work instead.
#ifndef WNET_COPENMP_PARALLEL_H
#define WNET_COPENMP_PARALLEL_H

// The libgomp ABI (GCC's OpenMP runtime), exported by libgomp.so.1.
extern void GOMP_parallel(void (*function)(void *), void *data, unsigned threads, unsigned flags);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);
extern int omp_in_parallel(void);
extern void omp_set_num_threads(int threads);

// The work: `body(context, start, end)` for disjoint ranges that cover [0, count).
typedef void (*wnet_range_body)(void *context, long start, long end);

struct wnet_parallel_job {
  wnet_range_body body;
  void *context;
  long count;
};

static void wnet_parallel_trampoline(void *data) {
  struct wnet_parallel_job *job = (struct wnet_parallel_job *)data;
  long thread = omp_get_thread_num(), threads = omp_get_num_threads();
  long start = job->count * thread / threads, end = job->count * (thread + 1) / threads;
  if (start < end) job->body(job->context, start, end);
}

// Splits [0, count) into `threads` contiguous ranges run by the OpenMP team.
static inline void wnet_parallel_for(long count, unsigned threads, void *context, wnet_range_body body) {
  struct wnet_parallel_job job = {body, context, count};
  GOMP_parallel(wnet_parallel_trampoline, &job, threads, 0);
}

#endif
