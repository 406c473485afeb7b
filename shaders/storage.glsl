// Storage element type of a kernel's float tensors, included by every shader
// that has an fp16-storage build (`--precision=fp16`). The line
//   // tlc-variant: f16 TLC_F16
// in a shader makes CMake also compile NAME_f16 with TLC_F16 defined: its
// float buffers then hold IEEE binary16 (VK_KHR_16bit_storage,
// storageBuffer16BitAccess) while all arithmetic stays f32, so only loads
// and stores change. Read an element with float(x[i]) / vec4(x4[i]); write
// with STORE(v) / STORE4(v). Integer buffers (indices) are not affected.
#ifdef TLC_F16
#extension GL_EXT_shader_16bit_storage : require
#define FLOAT_T float16_t
#define VEC2_T f16vec2
#define VEC4_T f16vec4
#else
#define FLOAT_T float
#define VEC2_T vec2
#define VEC4_T vec4
#endif
#define STORE(v) FLOAT_T(v)
#define STORE2(v) VEC2_T(v)
#define STORE4(v) VEC4_T(v)
