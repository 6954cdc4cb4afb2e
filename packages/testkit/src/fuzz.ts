import { readFileSync } from 'node:fs'

/** Seed of every fuzz test unless FUZZ_SEED says otherwise: CI replays the same inputs each run. */
export const FUZZ_SEED = 0x7e55e7a

/** What a fuzz property runs with: pass `params` to `fc.assert`, `timeoutMs` to `it`. */
export interface FuzzRun {
  /** fast-check parameters: the seed and the count of inputs. */
  params: { seed: number; numRuns: number }
  /** The test's own timeout: the default one in CI, none to speak of on a long run. */
  timeoutMs: number | undefined
  /** True when FUZZ_RUNS asked for a long run. */
  long: boolean
}

/**
 * The seed and input count of one fuzz property: `ciRuns` inputs from
 * {@link FUZZ_SEED} by default (short enough for CI on a loaded box), or
 * `FUZZ_RUNS` inputs from `FUZZ_SEED` when those are set
 * (`FUZZ_RUNS=100000 pnpm vitest run <files>`, docs/operations.md,
 * "Fuzzing"). `scale` shrinks the long run of a property whose inputs cost
 * more than the others' (a TCP connection each rather than a call).
 */
export function fuzzRun(ciRuns: number, scale = 1, env: NodeJS.ProcessEnv = process.env): FuzzRun {
  const runs = positiveInt(env.FUZZ_RUNS, 'FUZZ_RUNS')
  const seed = env.FUZZ_SEED === undefined || env.FUZZ_SEED === '' ? FUZZ_SEED : Number(env.FUZZ_SEED)
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${env.FUZZ_SEED}`)
  if (runs === undefined) return { params: { seed, numRuns: ciRuns }, timeoutMs: undefined, long: false }
  return {
    params: { seed, numRuns: Math.max(ciRuns, Math.ceil(runs * scale)) },
    timeoutMs: 24 * 3600_000,
    long: true,
  }
}

/** Print how many inputs a property tried (on a long run, for the report). */
export function reportFuzz(name: string, run: FuzzRun, tried: number): void {
  if (run.long) process.stdout.write(`fuzz: ${name}: ${tried} inputs, seed ${run.params.seed}, no failure\n`)
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`)
  return n
}

let documented: Set<string> | undefined

/**
 * Every error code docs/errors.md lists (its tables; a test keeps that page
 * in step with the code). A refusal a fuzz test sees must carry one of these.
 */
export function documentedErrorCodes(): ReadonlySet<string> {
  if (documented === undefined) {
    const text = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
    documented = new Set([...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!))
  }
  return documented
}
