// Elementwise unary ops: y[i] = f(x[i]).
// Specialization constants: 0 = element count, 1 = operation (ops/Unary.h).
#version 450
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint N = 1;
layout(constant_id = 1) const uint OP = 0;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= N) return;
  float v = x[i];
  if (OP == 1u) v = max(v, 0.0);
  y[i] = v;
}
