// tools/ort/run.mjs - Runs an ONNX model with onnxruntime (CPU) and writes
// each output as a .npy file. tlc's tests and the OCR example compare tlc's
// results against these reference outputs.
//
// Usage:
//   node tools/ort/run.mjs MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR
//
// Install once with `npm ci --ignore-scripts` in tools/ort: onnxruntime-node's
// CPU library ships in its npm tarball; its postinstall script only fetches
// the optional CUDA binaries.
//
// .npy (NumPy's format, numpy.lib.format): "\x93NUMPY", version, a header
// length (u16 for 1.0, u32 for 2.0/3.0), a Python dict literal header with
// 'descr', 'fortran_order' and 'shape', then the data in C order. Only
// little-endian float32, int32 and int64 arrays are read and written.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const DESCR_TO_TYPE = { '<f4': 'float32', '<i4': 'int32', '<i8': 'int64' };
const TYPE_TO_DESCR = { float32: '<f4', int32: '<i4', int64: '<i8' };
const TYPED = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array };

function fail(msg) {
  process.stderr.write(`run.mjs: error: ${msg}\n`);
  process.exit(1);
}

/** Reads a .npy file into an ort.Tensor; errors name the file and what is wrong. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    fail(`${file}: byte 0: expected the .npy magic "\\x93NUMPY"`);
  const major = buf[6];
  let headerLen, start;
  if (major === 1) { headerLen = buf.readUInt16LE(8); start = 10; }
  else if (major === 2 || major === 3) { headerLen = buf.readUInt32LE(8); start = 12; }
  else fail(`${file}: byte 6: unsupported .npy version ${major}`);
  if (start + headerLen > buf.length) fail(`${file}: byte 8: header length ${headerLen} runs past the end`);
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(`${file}: byte ${start}: header is not a .npy dict: ${header.trim()}`);
  if (fortran[1] === 'True') fail(`${file}: fortran_order True is not supported`);
  const type = DESCR_TO_TYPE[descr[1]];
  if (!type) fail(`${file}: dtype '${descr[1]}' is not one of ${Object.keys(DESCR_TO_TYPE).join(', ')}`);
  const dims = shape[1].split(',').map(s => s.trim()).filter(s => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const Typed = TYPED[type];
  if (buf.length - dataStart !== count * Typed.BYTES_PER_ELEMENT)
    fail(`${file}: byte ${dataStart}: expected ${count * Typed.BYTES_PER_ELEMENT} data bytes for shape (${dims}), found ${buf.length - dataStart}`);
  const data = new Typed(count);
  Buffer.from(data.buffer).set(buf.subarray(dataStart));
  return new ort.Tensor(type, data, dims);
}

/** Encodes an ort.Tensor as a version 1.0 .npy file, data aligned to 64 bytes. */
function writeNpy(file, tensor) {
  const descr = TYPE_TO_DESCR[tensor.type];
  if (!descr) fail(`${file}: output type ${tensor.type} cannot be written`);
  const dims = tensor.dims.length === 1 ? `${tensor.dims[0]},` : tensor.dims.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

function parseArgs(argv) {
  const args = { model: null, inputs: [], outputDir: null };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--input') {
      const v = argv[++i];
      const eq = v ? v.indexOf('=') : -1;
      if (eq <= 0) fail(`--input expects NAME=FILE.npy, got '${v}'`);
      args.inputs.push([v.slice(0, eq), v.slice(eq + 1)]);
    } else if (a === '--output-dir') {
      args.outputDir = argv[++i];
    } else if (a.startsWith('-')) {
      fail(`unknown option '${a}'`);
    } else if (!args.model) {
      args.model = a;
    } else {
      fail(`unexpected argument '${a}'`);
    }
  }
  if (!args.model || !args.outputDir)
    fail('usage: node run.mjs MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const session = await ort.InferenceSession.create(args.model, {
  executionProviders: ['cpu'], graphOptimizationLevel: 'all',
});
const feeds = {};
for (const [name, file] of args.inputs) {
  if (!session.inputNames.includes(name))
    fail(`${args.model}: no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
  feeds[name] = readNpy(file);
}
for (const name of session.inputNames)
  if (!(name in feeds)) fail(`${args.model}: input '${name}' is not given (--input ${name}=FILE.npy)`);
const results = await session.run(feeds);
fs.mkdirSync(args.outputDir, { recursive: true });
for (const name of session.outputNames) {
  const file = path.join(args.outputDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`);
  writeNpy(file, results[name]);
  console.log(`${name}: ${results[name].dims.join('x')} ${results[name].type} -> ${file}`);
}
