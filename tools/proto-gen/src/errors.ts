/** A schema the generator refuses, with the proto element it is about. */
export class ProtoGenError extends Error {
  override readonly name = 'ProtoGenError'
}
