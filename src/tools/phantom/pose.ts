/**
 * Where a phantom's anatomy sits in the scanner. Anatomy is modelled in its own frame (u to the
 * patient's left, v posterior, w superior, in mm, like DICOM's LPS); the pose places that frame
 * in patient coordinates with a small random rotation, as a real patient lies on the table.
 */
export type Vec3 = [number, number, number];
/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface Pose {
  /** Patient coordinates (mm) of the frame's origin. */
  centre: Vec3;
  /** frame = rotation · (patient − centre). */
  rotation: Mat3;
}

/** Rotation by small angles (degrees) about the x (pitch), y (roll) and z (yaw) axes. */
export function rotationFromAngles(pitchDeg: number, rollDeg: number, yawDeg: number): Mat3 {
  const [a, b, c] = [pitchDeg, rollDeg, yawDeg].map((d) => (d * Math.PI) / 180) as Vec3;
  const rx: Mat3 = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const ry: Mat3 = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const rz: Mat3 = [Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c), 0, 0, 0, 1];
  return multiply(rz, multiply(ry, rx));
}

export function multiply(m: Mat3, n: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += m[r * 3 + k]! * n[k * 3 + c]!;
      out[r * 3 + c] = s;
    }
  }
  return out;
}

export function apply(m: Mat3, v: Vec3): Vec3 {
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
}

export function transpose(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/** Frame coordinates → patient coordinates (the inverse of the pose). */
export function toPatient(pose: Pose, frame: Vec3): Vec3 {
  const p = apply(transpose(pose.rotation), frame);
  return [p[0] + pose.centre[0], p[1] + pose.centre[1], p[2] + pose.centre[2]];
}
