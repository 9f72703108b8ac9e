/**
 * Small 2D image operations on row-major Float32 images: the reconstruction kernel (blur or
 * edge enhancement) and correlated noise. Separable, so a 512² slice costs a few milliseconds.
 */

/** A normalised 1D Gaussian of standard deviation `sigma` pixels (identity when sigma ≈ 0). */
export function gaussianKernel(sigma: number): Float32Array {
  if (sigma < 0.05) return Float32Array.of(1);
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / sum;
  return k;
}

/** Convolves `img` (width × height) with `kernel` along rows then columns, in place; edges clamp. */
export function convolveSeparable(img: Float32Array, width: number, height: number, kernel: Float32Array): void {
  if (kernel.length === 1) return;
  const r = (kernel.length - 1) >> 1;
  const line = new Float32Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width + 2 * r; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - r));
      line[x] = img[row + sx]!;
    }
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k]! * line[x + k]!;
      img[row + x] = s;
    }
  }
  // Columns: whole rows at a time, so memory is read in order (a column walk thrashes the cache).
  const src = Float32Array.from(img);
  for (let y = 0; y < height; y++) {
    const out = y * width;
    img.fill(0, out, out + width);
    for (let k = 0; k < kernel.length; k++) {
      const sy = Math.min(height - 1, Math.max(0, y + k - r));
      const wk = kernel[k]!;
      const from = sy * width;
      for (let x = 0; x < width; x++) img[out + x]! += wk * src[from + x]!;
    }
  }
}

/**
 * A reconstruction kernel's effect on the image: blur by `sigma` pixels, then unsharp masking of
 * strength `sharpen` (sharp kernels overshoot at bone edges, as real ones do).
 */
export function applyKernel(img: Float32Array, width: number, height: number, sigma: number, sharpen: number): void {
  convolveSeparable(img, width, height, gaussianKernel(sigma));
  if (sharpen <= 0) return;
  const blurred = Float32Array.from(img);
  convolveSeparable(blurred, width, height, gaussianKernel(1.5));
  for (let i = 0; i < img.length; i++) {
    const v = img[i] as number;
    img[i] = v + sharpen * (v - (blurred[i] as number));
  }
}

/**
 * Correlated noise: white noise blurred by `sigma` pixels and rescaled so that its standard
 * deviation is `sd` again (a soft kernel gives blotchy noise, a sharp one fine grain).
 */
export function correlateNoise(noise: Float32Array, width: number, height: number, sigma: number, sd: number): void {
  const kernel = gaussianKernel(sigma);
  convolveSeparable(noise, width, height, kernel);
  // The variance of blurred white noise is the sum of squared 2D weights.
  let s2 = 0;
  for (let i = 0; i < kernel.length; i++) s2 += (kernel[i] as number) ** 2;
  const gain = sd / Math.max(1e-6, s2); // sd of input noise is assumed 1 → blurred sd = s2 (separable)
  for (let i = 0; i < noise.length; i++) noise[i] = (noise[i] as number) * gain;
}
