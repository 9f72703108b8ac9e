import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { VigilError } from '../../core/errors.js';
import { inputShape } from '../manifest.js';
import type { PackCheckResult, PackRef } from './protocol.js';
import { infer, outputValues, sessionFor } from './sessions.js';

/**
 * What the node checks before it lists a pack as available: the ONNX file's SHA-256, that the
 * model's input and outputs are the ones the manifest declares, and that the test vector gives
 * the expected outputs (raw model outputs, before any declared activation).
 */
export async function checkPack(pack: PackRef): Promise<PackCheckResult> {
  const { manifest, dir } = pack;
  const bytes = readPackFile(dir, manifest.model.file);
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.model.sha256) throw invalid(`SHA-256 of ${manifest.model.file} is ${sha}, the manifest says ${manifest.model.sha256}`);

  const session = await sessionFor(pack);
  const input = session.inputMetadata.find((m) => m.name === manifest.input.name);
  if (!input || !input.isTensor) throw invalid(`the model has no tensor input "${manifest.input.name}" (it has ${session.inputNames.join(', ')})`);
  if (input.type !== 'float32') throw invalid(`input "${input.name}" is ${input.type}, the manifest says float32`);
  const declared = inputShape(manifest.input);
  const actual = input.shape;
  const compatible =
    actual.length === declared.length &&
    declared.every((d, i) => (d === null ? typeof actual[i] !== 'number' : typeof actual[i] !== 'number' || actual[i] === d));
  if (!compatible)
    throw invalid(`input "${input.name}" has shape [${actual.join(', ')}], the manifest declares [${declared.map((d) => d ?? 'dynamic').join(', ')}]`);
  for (const name of [manifest.outputs.probability.name, manifest.outputs.localisation.name]) {
    if (!session.outputNames.includes(name)) throw invalid(`the model has no output "${name}" (it has ${session.outputNames.join(', ')})`);
  }

  const tv = manifest.testVector;
  const shape = tv.inputShape;
  if (shape.length !== declared.length || declared.some((d, i) => d !== null && d !== shape[i])) {
    throw invalid(`test vector input shape [${shape.join(', ')}] does not fit the declared input`);
  }
  const data = floats(readPackFile(dir, tv.inputFile), tv.inputFile);
  if (data.length !== shape.reduce((a, b) => a * b, 1))
    throw invalid(`${tv.inputFile} holds ${data.length} values, shape [${shape.join(', ')}] needs ${shape.reduce((a, b) => a * b, 1)}`);
  const outputs = await infer(session, manifest.input.name, data, shape);
  let worst = 0;
  for (const [name, expected] of Object.entries(tv.expected)) {
    const want = 'values' in expected ? Float32Array.from(expected.values) : floats(readPackFile(dir, expected.file), expected.file);
    const got = outputValues(outputs, name).data;
    if (got.length !== want.length) throw invalid(`test vector: output "${name}" has ${got.length} values, ${want.length} expected`);
    for (let i = 0; i < got.length; i++) {
      const error = Math.abs(got[i]! - want[i]!);
      if (!(error <= tv.tolerance)) throw invalid(`test vector: output "${name}"[${i}] is ${got[i]}, expected ${want[i]} (tolerance ${tv.tolerance})`);
      worst = Math.max(worst, error);
    }
  }
  return { inputShape: [...actual], testVectorMaxError: worst };
}

function readPackFile(dir: string, file: string): Buffer {
  try {
    const bytes = fs.readFileSync(path.join(dir, file));
    return file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes;
  } catch (err) {
    throw invalid(`${file} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * Float32 little endian from a Buffer: a view when its bytes are aligned (a large gunzipped
 * vector is its own allocation, so it is: a CTPA's input is 20 MB), else a copy.
 */
function floats(bytes: Buffer, file: string): Float32Array {
  if (bytes.length % 4 !== 0) throw invalid(`${file} is not float32 data (${bytes.length} bytes)`);
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function invalid(detail: string): VigilError {
  return new VigilError('TRIAGE_PACK_INVALID', detail);
}
