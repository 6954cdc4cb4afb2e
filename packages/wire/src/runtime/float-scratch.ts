// Scratch for converting floats to and from their wire bytes without a
// DataView per buffer: the value goes in one view, its bytes come out of
// the other. Shared by Reader and Writer (conversions are synchronous).

export const f64 = new Float64Array(1)
export const f32 = new Float32Array(1)
export const f64b = new Uint8Array(f64.buffer)
export const f32b = new Uint8Array(f32.buffer)
/** The wire is little-endian; a big-endian host (none we ship to) reverses the bytes. */
export const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
