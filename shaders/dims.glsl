// Dimensions of a kernel: the specialization constants that are sizes,
// strides, element counts or offsets derived from tensor shapes, i.e. the
// values a shape range changes (docs/shape-ranges.md). A shader lists them in
// an X-macro, gives its number of storage-buffer bindings, and includes this
// file where it declared the constants:
//
//   // tlc-variant: dyn TLC_DYN
//   #define TLC_DIMS(X) X(0, TOTAL, 1) X(2, D0, 1) X(3, D1, 1)
//   #define TLC_DIMS_BINDING 3
//   #include "dims.glsl"
//
// X(id, NAME, DEFAULT) is one `uint` dimension with constant_id id and its
// default value. A shader with signed dimensions (strides that may be
// negative) lists them in TLC_IDIMS(X) the same way; they are `int`.
//
// Static build (no TLC_DYN): each is `layout(constant_id = id) const uint
// NAME = DEFAULT;` (`int` for TLC_IDIMS), exactly as a shader declares it by
// hand, so the module is the same SPIR-V as before (glslang emits constants
// in order of use, so where the include sits among the declarations does
// not matter).
//
// Dyn build (TLC_DYN, the line `// tlc-variant: dyn TLC_DYN` makes CMake
// compile NAME_dyn and, for every other variant NAME_SUFFIX, NAME_SUFFIX_dyn):
// the same names are the members of the std140 uniform block TlcDims
// (instance tlcDims) at set 0, binding TLC_DIMS_BINDING (the binding after
// the storage buffers), in the order listed, TLC_DIMS before TLC_IDIMS; each
// is a 32-bit scalar at byte offset 4 * position. Each is also the
// specialization constant NAME_SC at its id, which selects per dispatch
// between the block (0) and a constant (value + 1): see below. The runtime writes the low 32 bits of each
// value (two's complement for an int). The code that reads them is the same
// in both builds. Everything else stays a specialization constant in both
// builds (structural: opcodes, flags, tile sizes, items per invocation,
// kernel geometry fixed by weights and attributes, float parameters), and
// so must anything a constant expression needs at compile time (an array
// size, local_size_x_id): a lowering chooses those for the whole range.
// A global constant computed from dimensions is declared `TLC_CONST uint
// NAME = ...;`: `const` in the static build (a specialization-constant
// expression, as before), a private global initialized at the start of
// main() in the dyn build (GLSL requires constant initializers for global
// `const`; local `const` variables may be initialized at run time).
// Codegen maps each member to the constant id it replaces by name
// (spirv/SpirvInterface.h: DimsBlockRef; codegen/DispatchCheck.h:
// dynamicDimIds).
#ifndef TLC_DIMS
#error "define TLC_DIMS(X) before including dims.glsl"
#endif
#ifndef TLC_DIMS_BINDING
#error "define TLC_DIMS_BINDING (the shader's storage-buffer count) before including dims.glsl"
#endif

#ifdef TLC_DYN
#define TLC_CONST
#define TLC_DIM_MEMBER_(id, NAME, DEFAULT) uint NAME;
#define TLC_IDIM_MEMBER_(id, NAME, DEFAULT) int NAME;
layout(set = 0, binding = TLC_DIMS_BINDING, std140) uniform TlcDims {
  TLC_DIMS(TLC_DIM_MEMBER_)
#ifdef TLC_IDIMS
  TLC_IDIMS(TLC_IDIM_MEMBER_)
#endif
} tlcDims;
// Each dim is also a specialization constant NAME_SC at its own id: 0 means
// "read it from the block" (the dim depends on symbols), v + 1 a value v
// that is the same for the whole range (for an int: v + 1 for v >= 0, v
// itself for v < 0). The select folds when the pipeline is created, so a
// range-constant dim is a true constant again (loops unroll, divisions
// strength-reduce) and only symbolic dims cost a uniform read.
#define TLC_DIM_DYN_(id, NAME, DEFAULT)                                        \
  layout(constant_id = id) const uint NAME##_SC = 0u;                          \
  uint NAME = NAME##_SC != 0u ? NAME##_SC - 1u : tlcDims.NAME;
#define TLC_IDIM_DYN_(id, NAME, DEFAULT)                                       \
  layout(constant_id = id) const int NAME##_SC = 0;                            \
  int NAME = NAME##_SC > 0 ? NAME##_SC - 1                                     \
                           : (NAME##_SC < 0 ? NAME##_SC : tlcDims.NAME);
TLC_DIMS(TLC_DIM_DYN_)
#ifdef TLC_IDIMS
TLC_IDIMS(TLC_IDIM_DYN_)
#endif
#else
#define TLC_CONST const
#define TLC_DIM_CONST_(id, NAME, DEFAULT)                                      \
  layout(constant_id = id) const uint NAME = DEFAULT;
#define TLC_IDIM_CONST_(id, NAME, DEFAULT)                                     \
  layout(constant_id = id) const int NAME = DEFAULT;
TLC_DIMS(TLC_DIM_CONST_)
#ifdef TLC_IDIMS
TLC_IDIMS(TLC_IDIM_CONST_)
#endif
#endif
