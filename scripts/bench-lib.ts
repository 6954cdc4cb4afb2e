// Moved to @tessera/testkit/bench; kept for bench files not yet switched
// (packages/storage/bench). New code imports `@tessera/testkit/bench`.
export * from '@tessera/testkit/bench'
