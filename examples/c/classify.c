/* examples/c/classify.c - the Fashion-MNIST test set through tlc's C API.
 * Usage: classify [PLAN.tlp] [DATASET_DIR]; the plan is `make run`'s
 * (tlc compile models/fashion_cnn.yaml --input-shape image=1..100x1x28x28).
 * Build: cc classify.c $(pkg-config --cflags --libs tlc-runtime) -lz */
#include <tlc/tlc.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
enum { N = 10000, BATCH = 100, PIXELS = 28 * 28 };

/* n bytes after a header of skip bytes of a gzip'd IDX file, or NULL. */
static unsigned char *readIdx(const char *dir, const char *file, int skip,
                              unsigned n) {
  char path[4096], header[16];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  gzFile f = gzopen(path, "rb");
  unsigned char *bytes = malloc(n);
  if (!f || !bytes || gzread(f, header, (unsigned)skip) != skip ||
      gzread(f, bytes, n) != (int)n) {
    fprintf(stderr, "classify: cannot read %s\n", path);
    free(bytes);
    bytes = NULL;
  }
  if (f) gzclose(f);
  return bytes;
}

int main(int argc, char **argv) {
  const char *planPath = argc > 1 ? argv[1] : "build/fashion_cnn.tlp";
  const char *dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
  unsigned char *pixels = readIdx(dir, "t10k-images-idx3-ubyte.gz", 16, N * PIXELS);
  unsigned char *labels = readIdx(dir, "t10k-labels-idx1-ubyte.gz", 8, N);
  static float x[BATCH * PIXELS], y[BATCH * 10];
  int64_t shape[4] = {BATCH, 1, 28, 28};
  tlc_device *device = NULL;
  tlc_plan *plan = NULL;
  int correct = 0, ok = pixels && labels &&
      tlc_device_create(-1, 0, &device) == TLC_OK &&
      tlc_plan_load_file(device, planPath, &plan) == TLC_OK;
  for (int first = 0; ok && first < N; first += BATCH) {
    for (int i = 0; i < BATCH * PIXELS; ++i) /* as in training: pixels/255 */
      x[i] = pixels[first * PIXELS + i] / 255.0f;
    ok = tlc_plan_set_input(plan, "image", TLC_F32, shape, 4, x, sizeof x) == TLC_OK &&
         tlc_plan_run(plan) == TLC_OK &&
         tlc_plan_get_output(plan, "logits", y, sizeof y, NULL) == TLC_OK;
    for (int r = 0; ok && r < BATCH; ++r) {
      int best = 0;
      for (int c = 1; c < 10; ++c)
        if (y[r * 10 + c] > y[r * 10 + best]) best = c;
      correct += best == labels[first + r];
    }
  }
  if (ok) printf("accuracy: %.4f (%d/%d)\n", correct / (double)N, correct, N);
  else if (pixels && labels) fprintf(stderr, "classify: error: %s\n", tlc_last_error());
  tlc_plan_destroy(plan);
  tlc_device_destroy(device);
  free(pixels);
  free(labels);
  return ok ? 0 : 1;
}
