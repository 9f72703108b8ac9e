/**
 * Where channel c, slice d, row h, column w of the model input lands in a tensor of a given
 * layout (letters N, C, D, H, W; N is always 1). Row-major, last letter fastest.
 */
export interface TensorLayout {
  shape: number[];
  size: number;
  strides: { C: number; D: number; H: number; W: number };
}

export function tensorLayout(layout: string, dims: { C: number; D: number; H: number; W: number }): TensorLayout {
  const letters = [...layout] as ('N' | 'C' | 'D' | 'H' | 'W')[];
  const shape = letters.map((l) => (l === 'N' ? 1 : dims[l]));
  const strides = { C: 0, D: 0, H: 0, W: 0 };
  let stride = 1;
  for (let i = letters.length - 1; i >= 0; i--) {
    const l = letters[i]!;
    if (l !== 'N') strides[l] = stride;
    stride *= shape[i]!;
  }
  return { shape, size: stride, strides };
}

/** Writes one plane (rows × columns, row-major) of channel c at slice d. */
export function writePlane(tensor: Float32Array, layout: TensorLayout, plane: Float32Array, c: number, d: number, rows: number, columns: number): void {
  const { C, D, H, W } = layout.strides;
  const base = c * C + d * D;
  if (W === 1 && H === columns) {
    tensor.set(plane.subarray(0, rows * columns), base);
    return;
  }
  if (W === 1) {
    for (let h = 0; h < rows; h++) tensor.set(plane.subarray(h * columns, (h + 1) * columns), base + h * H);
    return;
  }
  for (let h = 0; h < rows; h++) {
    const row = base + h * H;
    for (let w = 0; w < columns; w++) tensor[row + w * W] = plane[h * columns + w]!;
  }
}
