// What a browser app pulls in for the SDK: the client and its generated
// protocol code (bundle-size measurement only).
export * from '@tessera/client'
export * from '@tessera/protocol/client'
