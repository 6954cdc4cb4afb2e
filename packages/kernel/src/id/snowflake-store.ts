/**
 * Where a {@link Snowflake} generator keeps its high-water mark: an id such
 * that every id the machine has issued (or may issue before the next save)
 * is <= it. A restarted generator begins strictly above the loaded mark, so
 * it never reissues an id even if the wall clock went backwards meanwhile.
 *
 * Kept small on purpose: the file store below implements it for single
 * machines, and the center will implement it on top of its machine-id lease.
 */
export interface SnowflakeStore {
  /** The last saved mark, or null when nothing was ever saved (fresh start). */
  load(): Promise<bigint | null>
  /**
   * Durably record `highWater`. Resolve only once it would survive a crash;
   * the generator issues no id above a mark whose save has not resolved.
   * Marks passed by one generator only grow.
   */
  save(highWater: bigint): Promise<void>
}
