// Elementwise unary ops: y[i] = f(x[i]).
// Specialization constants: 0 = element count, 1 = operation (ops/Unary.h),
// 2 and 3 = float parameters P0, P1 as IEEE-754 bit patterns (HardSigmoid's
// alpha and beta).
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint N = 1;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint P0_BITS = 0;
layout(constant_id = 3) const uint P1_BITS = 0;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  float v = x[i];
  if (OP == 1u) v = max(v, 0.0);
  else if (OP == 2u) v = 1.0 / (1.0 + exp(-v));
  else if (OP == 3u)
    v = clamp(uintBitsToFloat(P0_BITS) * v + uintBitsToFloat(P1_BITS), 0.0, 1.0);
  else if (OP == 4u) v = v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
  else if (OP == 5u) v = sqrt(v);
  y[i] = v;
}
