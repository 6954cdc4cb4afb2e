import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { checkPipeline, stagesOf } from './pipeline-check.js'
import { hasGroovy, readOutline } from './read-outline.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const jenkinsfile = path.join(repo, 'jenkins/Jenkinsfile')
const stepsDir = path.join(repo, 'jenkins/steps')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'jenkinsfile-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function testStages(): string[] {
  const m = /^STAGES=\(([^)]*)\)$/m.exec(readFileSync(path.join(repo, 'scripts/test.sh'), 'utf8'))
  if (!m) throw new Error('scripts/test.sh has no STAGES=(...) line')
  return m[1]!.trim().split(/\s+/)
}
const stepFiles = () => readdirSync(stepsDir).sort()

// In CI (CI=true; .ci/run sets it) a missing groovy is a failure, not a skip:
// scripts/setup.sh installs it.
const run = hasGroovy() || process.env.CI === 'true'

describe.runIf(run)('jenkins/Jenkinsfile, parsed by groovy', () => {
  const outline = readOutline(jenkinsfile)

  it('has the pipeline stages in order, one jenkins/steps script each, and everything else the pipeline needs', () => {
    expect(stagesOf(outline).map((s) => s.args[0])).toEqual([
      'install',
      'lint',
      'contract',
      'build',
      'test',
      'bench',
      'package',
      'deploy',
    ])
    expect(checkPipeline({ outline, stepFiles: stepFiles(), testStages: testStages() })).toEqual([])
  })

  it('finds a stage without its script, a step script without a stage, and a stage out of order', () => {
    const facts = { outline, stepFiles: stepFiles(), testStages: testStages() }
    expect(checkPipeline({ ...facts, stepFiles: [...facts.stepFiles, 'extra.sh'] })).toContain(
      'jenkins/steps/extra.sh is not a stage',
    )
    expect(checkPipeline({ ...facts, stepFiles: facts.stepFiles.filter((f) => f !== 'bench.sh') })).toContain(
      'stage bench has no jenkins/steps/bench.sh',
    )
    const swapped = ['install', 'lint', 'build', 'contract', 'test', 'bench', 'package']
    expect(checkPipeline({ ...facts, testStages: swapped })[0]).toMatch(
      /^stages are \[install, lint, contract/,
    )
  })

  it('finds a stage that runs something else, and a missing timeout, in an edited Jenkinsfile', () => {
    const text = readFileSync(jenkinsfile, 'utf8')
      .replace("sh 'bash jenkins/steps/lint.sh'", "sh 'pnpm lint'")
      .replace(
        "options { timeout(time: 10, unit: 'MINUTES') }\n      steps { sh 'bash jenkins/steps/build.sh' }",
        "steps { sh 'bash jenkins/steps/build.sh' }",
      )
    const edited = path.join(tmp, 'Jenkinsfile')
    writeFileSync(edited, text)
    const problems = checkPipeline({
      outline: readOutline(edited),
      stepFiles: stepFiles(),
      testStages: testStages(),
    })
    expect(problems).toEqual([
      `stage lint must run exactly 'bash jenkins/steps/lint.sh', runs ["pnpm lint"]`,
      'stage build has no options { timeout(...) }',
    ])
  })

  it('fails on a Jenkinsfile groovy cannot parse', () => {
    const broken = path.join(tmp, 'Broken')
    writeFileSync(broken, "pipeline { stages { stage('x' { } }")
    expect(() => readOutline(broken)).toThrow(/groovy could not parse/)
  })
})

describe('jenkins/steps/*.sh', () => {
  it.each(stepFiles())('%s stops at the first failing command and runs from the repository root', (file) => {
    const text = readFileSync(path.join(stepsDir, file), 'utf8')
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true)
    expect(text).toContain('\nset -euo pipefail\n')
    expect(text).toContain('\ncd "$(dirname "$0")/../.."\n')
  })
})
