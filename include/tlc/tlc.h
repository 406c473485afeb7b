/*===- tlc/tlc.h - The C API of tlc -----------------------------*- C -*-===*\
 *
 * Load and run tlc plans (.tlp files) from any program: C99, usable from C++
 * and through a foreign-function interface (Python's ctypes, Rust, Go...).
 *
 *   libtlc_runtime  devices, plans, runs, generation (pkg-config tlc-runtime,
 *                   CMake target tlc::runtime). It holds the plan format and
 *                   the Vulkan runtime, nothing of the compiler.
 *   libtlc_compiler tlc_compile_* (pkg-config tlc, CMake target
 *                   tlc::compiler, which also links tlc::runtime).
 *
 * A run, in order (examples/c/classify.c is a whole program):
 *   tlc_device_create -> tlc_plan_load_file -> tlc_plan_set_input (each
 *   input) -> tlc_plan_run -> tlc_plan_get_output -> tlc_plan_destroy ->
 *   tlc_device_destroy.
 * The plan's memory is allocated once at load; a run allocates no device
 * memory (tlc_device_counters shows it).
 *
 * Errors. Every function that can fail returns a tlc_status. On failure the
 * calling thread's message (tlc_last_error) holds the same text the tlc
 * command line prints after "tlc: error: " for the same mistake; outputs
 * are left untouched. Nothing aborts, throws or exits across this API.
 *
 * Handles. Every handle has a destroy function. A handle is a token, not a
 * pointer to memory: passing NULL, a destroyed handle or a handle of another
 * kind returns TLC_ERROR_INVALID_HANDLE, never a crash (tokens are never
 * reused in a process). A device lives on while plans or generators loaded
 * on it exist, even after tlc_device_destroy.
 *
 * Threads. Every function may be called from any thread. Calls on one plan
 * or generator are serialized by the library, and so are runs of all plans
 * on one device (one Vulkan queue). tlc_last_error is per thread.
 *
 * Shapes are row-major, in elements; sizes are in bytes.
\*===----------------------------------------------------------------------===*/
#ifndef TLC_TLC_H
#define TLC_TLC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TLC_API __attribute__((visibility("default")))
#else
#define TLC_API
#endif

/** Version of this API (the header); tlc_api_version() gives the library's. */
#define TLC_API_VERSION 1
/** Largest tensor rank a plan may have. */
#define TLC_MAX_RANK 8

typedef enum tlc_status {
  TLC_OK = 0,
  /** A NULL pointer, a bad option, a size or rank that is impossible. */
  TLC_ERROR_INVALID_ARGUMENT = 1,
  /** A NULL, destroyed or wrong-kind handle. */
  TLC_ERROR_INVALID_HANDLE = 2,
  /** No input, output or symbol of that name in the plan. */
  TLC_ERROR_NOT_FOUND = 3,
  /** A shape the plan does not serve (rank, a dim, a symbol's range). */
  TLC_ERROR_SHAPE = 4,
  /** An element type that differs from the tensor's. */
  TLC_ERROR_DTYPE = 5,
  /** A file that cannot be read or written. */
  TLC_ERROR_IO = 6,
  /** A malformed or corrupted plan, or one the device cannot hold. */
  TLC_ERROR_PLAN = 7,
  /** A malformed model, or one the compiler does not support. */
  TLC_ERROR_MODEL = 8,
  /** No Vulkan device, or a Vulkan call that failed. */
  TLC_ERROR_DEVICE = 9,
  /** A run that could not start or complete (e.g. a host-set symbol unset). */
  TLC_ERROR_RUN = 10,
  /** A call out of order (e.g. an output before the first run). */
  TLC_ERROR_STATE = 11
} tlc_status;

/** Element types (tlc's dtypes). */
typedef enum tlc_dtype {
  TLC_F32 = 0,
  TLC_F16 = 1, /* IEEE binary16 */
  TLC_I32 = 2,
  TLC_I64 = 3,
  TLC_BOOL = 4, /* one byte, 0 or 1 */
  TLC_U8 = 5
} tlc_dtype;

typedef struct tlc_device tlc_device;
typedef struct tlc_plan tlc_plan;
typedef struct tlc_generator tlc_generator;

/* --- Errors and versions ------------------------------------------------ */

/** The message of the calling thread's last failed call ("" when none).
 *  Valid until that thread's next failing call. */
TLC_API const char *tlc_last_error(void);
/** "TLC_OK", "TLC_ERROR_SHAPE", ...; "TLC_ERROR_UNKNOWN" for other values. */
TLC_API const char *tlc_status_name(tlc_status status);
/** TLC_API_VERSION of the library. */
TLC_API int tlc_api_version(void);
/** The tlc version, e.g. "0.1.0". */
TLC_API const char *tlc_version(void);
/** Element size in bytes; 0 for a value outside tlc_dtype. */
TLC_API size_t tlc_dtype_size(tlc_dtype dtype);
/** "f32", "f16", "i32", "i64", "bool", "u8"; "?" otherwise. */
TLC_API const char *tlc_dtype_name(tlc_dtype dtype);

/* --- Devices ------------------------------------------------------------ */

/** Opens Vulkan device \p index (as `tlc devices` lists them), or with
 *  index -1 the default one: env TLC_DEVICE if set, else the first discrete
 *  GPU, else any GPU, else the first device (lavapipe). \p validation != 0
 *  enables VK_LAYER_KHRONOS_validation (also env TLC_VALIDATION=1).
 *  Errors: TLC_ERROR_DEVICE (no loader, no device, index out of range),
 *  TLC_ERROR_INVALID_ARGUMENT (\p device NULL, index < -1). */
TLC_API tlc_status tlc_device_create(int index, int validation,
                                     tlc_device **device);
/** Releases the caller's handle; the device itself goes when its last plan
 *  and generator have been destroyed. */
TLC_API tlc_status tlc_device_destroy(tlc_device *device);
/** The device's name (valid while the handle lives). */
TLC_API tlc_status tlc_device_name(tlc_device *device, const char **name);

/** What the runtime has done on a device, over all its plans. */
typedef struct tlc_counters {
  uint64_t memory_allocations; /* live vkAllocateMemory allocations */
  uint64_t allocated_bytes;    /* bytes in them */
  uint64_t submits;            /* vkQueueSubmit calls so far */
  uint64_t validation_messages;
  uint64_t pipelines_created;
  uint64_t descriptor_writes;
  uint64_t command_buffer_recordings;
} tlc_counters;
TLC_API tlc_status tlc_device_counters(tlc_device *device, tlc_counters *out);

/* --- Plans -------------------------------------------------------------- */

/** Reads, validates and loads a .tlp file onto \p device: all device
 *  memory is allocated and the command buffers recorded here.
 *  Errors: TLC_ERROR_IO (unreadable file), TLC_ERROR_PLAN (corrupted or
 *  malformed: the message names the file, the byte offset or field and what
 *  was expected; a plan the device cannot hold: the numbers),
 *  TLC_ERROR_DEVICE, TLC_ERROR_INVALID_ARGUMENT, TLC_ERROR_INVALID_HANDLE. */
TLC_API tlc_status tlc_plan_load_file(tlc_device *device, const char *path,
                                      tlc_plan **plan);
/** Same from \p size bytes at \p data (copied; the caller may free them on
 *  return); \p name (may be NULL: "<memory>") stands for the file in
 *  messages. */
TLC_API tlc_status tlc_plan_load_memory(tlc_device *device, const void *data,
                                        size_t size, const char *name,
                                        tlc_plan **plan);
TLC_API tlc_status tlc_plan_destroy(tlc_plan *plan);

/** One input or output of a plan. For a plan compiled for a range of
 *  shapes (docs/shape-ranges.md) min_shape/max_shape give the range of each
 *  dim; shape is the current one: an input's last accepted shape, an
 *  output's shape after the last run (before any run: max_shape). */
typedef struct tlc_tensor_info {
  const char *name; /* valid while the plan lives */
  tlc_dtype dtype;
  size_t rank;
  int64_t shape[TLC_MAX_RANK];
  int64_t min_shape[TLC_MAX_RANK];
  int64_t max_shape[TLC_MAX_RANK];
  size_t bytes; /* bytes of `shape` */
} tlc_tensor_info;

TLC_API tlc_status tlc_plan_input_count(tlc_plan *plan, size_t *count);
TLC_API tlc_status tlc_plan_output_count(tlc_plan *plan, size_t *count);
/** Errors: TLC_ERROR_NOT_FOUND for \p index >= the count. */
TLC_API tlc_status tlc_plan_input_info(tlc_plan *plan, size_t index,
                                       tlc_tensor_info *info);
TLC_API tlc_status tlc_plan_output_info(tlc_plan *plan, size_t index,
                                        tlc_tensor_info *info);

/** Copies \p bytes at \p data, a row-major tensor of \p dtype and shape
 *  \p shape[0..rank), into input \p name for the next runs.
 *  Errors (the input keeps its previous contents): TLC_ERROR_NOT_FOUND (no
 *  such input; the message lists the plan's inputs), TLC_ERROR_DTYPE,
 *  TLC_ERROR_SHAPE (rank, a constant dim, a symbol out of its range),
 *  TLC_ERROR_INVALID_ARGUMENT (\p bytes != elements x element size, NULL
 *  \p data with \p bytes > 0, rank > TLC_MAX_RANK). */
TLC_API tlc_status tlc_plan_set_input(tlc_plan *plan, const char *name,
                                      tlc_dtype dtype, const int64_t *shape,
                                      size_t rank, const void *data,
                                      size_t bytes);
/** Sets a symbol that no input's shape gives (e.g. `past`, the positions a
 *  KV cache holds), as `tlc run --dim NAME=VALUE` does.
 *  Errors: TLC_ERROR_NOT_FOUND, TLC_ERROR_SHAPE (outside its range). */
TLC_API tlc_status tlc_plan_set_symbol(tlc_plan *plan, const char *name,
                                       int64_t value);
/** Runs the plan on its inputs and waits for the result.
 *  Errors: TLC_ERROR_SHAPE (inputs that disagree on a symbol),
 *  TLC_ERROR_RUN (a host-set symbol without a value, a Vulkan failure). */
TLC_API tlc_status tlc_plan_run(tlc_plan *plan);
/** Copies output \p name of the last run into \p data, which holds
 *  \p capacity bytes; \p written (may be NULL) receives the bytes copied.
 *  Errors: TLC_ERROR_STATE (no run yet), TLC_ERROR_NOT_FOUND,
 *  TLC_ERROR_INVALID_ARGUMENT (\p capacity < the output's bytes: the
 *  message gives both). */
TLC_API tlc_status tlc_plan_get_output(tlc_plan *plan, const char *name,
                                       void *data, size_t capacity,
                                       size_t *written);

/** Time of the last tlc_plan_run, microseconds. */
typedef struct tlc_timing {
  double host_us; /* vkQueueSubmit + wait, host clock */
  double gpu_us;  /* the plan's commands on the GPU; < 0: no timestamps */
} tlc_timing;
/** Errors: TLC_ERROR_STATE (no run yet). */
TLC_API tlc_status tlc_plan_last_timing(tlc_plan *plan, tlc_timing *timing);

/* --- Generation (plans of language models: `tlc compile model.gguf`) ---- */

/** Loads a plan with input `input_ids` [1, S] (i64) and logits output, as
 *  `tlc generate` does (docs/generation.md); with a KV cache when the plan
 *  has the symbol `past`. Errors: those of tlc_plan_load_file, and
 *  TLC_ERROR_PLAN for a plan without that interface. */
TLC_API tlc_status tlc_generator_load_file(tlc_device *device,
                                           const char *path,
                                           tlc_generator **generator);
/** Same from \p size bytes at \p data (copied); \p name (may be NULL:
 *  "<memory>") stands for the file in messages. */
TLC_API tlc_status tlc_generator_load_memory(tlc_device *device,
                                             const void *data, size_t size,
                                             const char *name,
                                             tlc_generator **generator);
TLC_API tlc_status tlc_generator_destroy(tlc_generator *generator);
/** Vocabulary size, the longest context in tokens, and whether the plan
 *  keeps a KV cache (1) or runs the whole context each step (0). Any out
 *  pointer may be NULL. */
TLC_API tlc_status tlc_generator_info(tlc_generator *generator,
                                      int64_t *vocab, int64_t *context_length,
                                      int *kv_cache);
/** Tokens in the context so far. */
TLC_API tlc_status tlc_generator_position(tlc_generator *generator,
                                          int64_t *position);
/** Empties the context. */
TLC_API tlc_status tlc_generator_reset(tlc_generator *generator);
/** Feeds \p count tokens after the context (a prefill for many, a decode
 *  step for one) and writes the logits of the last one into \p logits
 *  (\p vocab floats; may be NULL with vocab 0 to skip them).
 *  Errors (the context is unchanged): TLC_ERROR_INVALID_ARGUMENT (no
 *  tokens, a \p vocab other than the plan's), TLC_ERROR_SHAPE (past the
 *  context length), TLC_ERROR_RUN. */
TLC_API tlc_status tlc_generator_append(tlc_generator *generator,
                                        const int64_t *ids, size_t count,
                                        float *logits, size_t vocab);

/** How the next token is chosen: temperature 0 is greedy (argmax);
 *  otherwise softmax(logits / temperature) sampled after top-k (0: all) and
 *  top-p (nucleus; 1: all) filtering, with \p seed. */
typedef struct tlc_sampling {
  double temperature;
  int64_t top_k;
  double top_p;
  uint64_t seed;
} tlc_sampling;
/** Appends \p prompt (at least one token when \p max_new > 0), then
 *  chooses up to \p max_new tokens one at a time, stopping after \p eos
 *  (< 0: never). The chosen tokens go to \p out (capacity \p max_new),
 *  their count to \p generated; each but the last is appended to the
 *  context (pass the last as the next call's prompt to go on).
 *  \p sampling NULL: greedy. Errors: those of tlc_generator_append; a bad
 *  sampling value (TLC_ERROR_INVALID_ARGUMENT, the message names the
 *  `tlc generate` flag). Tokens chosen before an error stay in \p out. */
TLC_API tlc_status tlc_generator_generate(tlc_generator *generator,
                                          const int64_t *prompt,
                                          size_t prompt_count, size_t max_new,
                                          const tlc_sampling *sampling,
                                          int64_t eos, int64_t *out,
                                          size_t *generated);

/* --- Compiling (libtlc_compiler) ----------------------------------------- */

/** What `tlc compile` takes as flags; NULL strings and 0 numbers mean the
 *  flag's default. Initialise with tlc_compile_options_init. */
typedef struct tlc_compile_options {
  size_t struct_size;       /* sizeof(tlc_compile_options), set by init */
  const char *planner;      /* --planner: auto, pool, arena, no-alias */
  const char *schedule;     /* --schedule: memory, given */
  const char *target;       /* --target: auto, cpu, gpu, gpu-nv */
  const char *precision;    /* --precision: fp32, fp16 */
  /** --input-shape, ';'-separated: "image=1..100x1x28x28;mask=1x8". */
  const char *input_shapes;
  /** --dim, ';'-separated: "W=32..1280;N=1". */
  const char *dims;
  double plan_time_limit;   /* --plan-time-limit, seconds (0: 1) */
  int64_t max_context;      /* --max-context, tokens (GGUF / HF models) */
} tlc_compile_options;
TLC_API void tlc_compile_options_init(tlc_compile_options *options);

/** Compiles \p model_path (model.yaml, ONNX, GGUF or a Hugging Face folder)
 *  into the plan file \p plan_path (written atomically). \p options NULL:
 *  the defaults. Errors: TLC_ERROR_MODEL (the model, with file and place),
 *  TLC_ERROR_INVALID_ARGUMENT (an option; the message starts with its flag),
 *  TLC_ERROR_IO (no such model file; the plan file cannot be written). */
TLC_API tlc_status tlc_compile_file(const char *model_path,
                                    const tlc_compile_options *options,
                                    const char *plan_path);
/** Same, into memory: *\p data (free it with tlc_free) holds *\p size bytes
 *  of a .tlp file, for tlc_plan_load_memory. */
TLC_API tlc_status tlc_compile_to_memory(const char *model_path,
                                         const tlc_compile_options *options,
                                         void **data, size_t *size);
/** Frees memory the API returned (tlc_compile_to_memory). NULL is fine. */
TLC_API void tlc_free(void *data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TLC_TLC_H */
