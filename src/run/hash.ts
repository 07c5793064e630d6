/** Bytes of a parameter block as little-endian f32 (the input of final_params_sha256). */
export function paramsBytes(params: Float32Array): Uint8Array {
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
  if (little) return bytes;
  const out = new Uint8Array(params.length * 4);
  const view = new DataView(out.buffer);
  params.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}
