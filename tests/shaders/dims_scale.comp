// A test-only shader that follows the convention of a shader's dyn build
// (shaders/dims.glsl, docs/shape-ranges.md): its run-time dimensions are
// the uint members of a std140 uniform block at the binding after its
// operands. tests/unit/RuntimeShapeRangesTest.cpp builds plans of it by
// hand. y[i] = SCALE * x[i] + ROWS for i < TOTAL.
#version 450
layout(local_size_x = 64) in;

// A structural constant, specialized as usual (constant_id 0 would be
// TOTAL's in the static build, which this shader has not).
layout(constant_id = 1) const float SCALE = 2.0;

layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Y { float y[]; };
layout(set = 0, binding = 2, std140) uniform TlcDims {
  uint TOTAL;
  uint ROWS;
};

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i < TOTAL)
    y[i] = SCALE * x[i] + float(ROWS);
}
