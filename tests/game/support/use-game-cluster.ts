import { afterAll, beforeAll } from 'vitest'
import { GameCluster, type GameClusterOptions } from './game-cluster.js'

/** A cluster for one describe block: started before its tests, stopped after them. */
export function useGameCluster(o: GameClusterOptions = {}): () => GameCluster {
  let cluster: GameCluster | undefined
  beforeAll(async () => {
    cluster = await new GameCluster(o).start()
  }, 180_000)
  afterAll(async () => {
    await cluster?.stop()
  }, 60_000)
  return () => cluster!
}
