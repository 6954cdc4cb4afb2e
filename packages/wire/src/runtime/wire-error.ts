/** Thrown by generated decoders and encoders; the kernel codec maps it to a CODEC_ error. */
export class ProtoWireError extends Error {
  override readonly name = 'ProtoWireError'
}
