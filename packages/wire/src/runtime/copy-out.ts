// Copying bytes out into a fresh Uint8Array is dominated by the allocation:
// V8 keeps arrays of up to 64 bytes on its heap (cheap), but anything larger
// gets its own off-heap ArrayBuffer, which costs several times the copy.
// Mid-sized copies therefore come from a shared slab, as Node's Buffer pool
// does: the result is a view whose `buffer` may be shared with other results
// (always honour byteOffset/byteLength), and a kept result keeps its slab
// (SLAB_SIZE bytes) alive.

/** V8's on-heap typed array limit (V8_TYPED_ARRAY_MAX_SIZE_IN_HEAP). */
const ON_HEAP_MAX = 64
/**
 * Up to this many bytes a plain loop beats slice(); above it slice()'s
 * memcpy wins (a 30-byte copy: ~95 ns by loop, ~60 ns by slice() on these
 * machines). slice() is only taken on a plain Uint8Array: a Node Buffer's
 * species would make the copy a Buffer, and its slow construction eats the gain.
 */
const LOOP_MAX = 16
const SLAB_SIZE = 8 * 1024
/** Larger copies get their own buffer: a slab would waste too much. */
const SLAB_MAX = SLAB_SIZE / 4

let slab = new ArrayBuffer(SLAB_SIZE)
let slabUsed = 0

/** A copy of src[start, start + n) that never aliases `src`. */
export function copyOut(src: Uint8Array, start: number, n: number): Uint8Array {
  if (n <= ON_HEAP_MAX) {
    if (n > LOOP_MAX && src.constructor === Uint8Array) return src.slice(start, start + n)
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = src[start + i]!
    return out
  }
  let out: Uint8Array
  if (n <= SLAB_MAX) {
    if (slabUsed + n > SLAB_SIZE) {
      slab = new ArrayBuffer(SLAB_SIZE)
      slabUsed = 0
    }
    out = new Uint8Array(slab, slabUsed, n)
    // 8-byte aligned, so a consumer may lay a wider typed array over a result.
    slabUsed = (slabUsed + n + 7) & ~7
  } else {
    out = new Uint8Array(n)
  }
  out.set(src.subarray(start, start + n))
  return out
}
