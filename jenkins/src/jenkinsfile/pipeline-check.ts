import { children, descendants, type OutlineCall, type OutlineNode } from './read-outline.js'

export interface PipelineFacts {
  /** The Jenkinsfile's outline (readOutline). */
  outline: OutlineNode[]
  /** File names in jenkins/steps/. */
  stepFiles: string[]
  /** The STAGES list scripts/test.sh runs, in order. */
  testStages: string[]
}

/** Stage script a stage must call, and nothing else. */
export const stepCommand = (stage: string) => `bash jenkins/steps/${stage}.sh`

/** The stages of `pipeline { stages { stage('x') ... } }` in order. */
export function stagesOf(outline: OutlineNode[]): OutlineCall[] {
  const pipeline = children(outline, 'pipeline')[0]
  if (!pipeline) return []
  return children(pipeline, 'stages').flatMap((s) => children(s, 'stage'))
}

function hasTimeout(n: OutlineCall): boolean {
  return children(n, 'options').some((o) => children(o, 'timeout').length > 0)
}

/**
 * Everything that must hold between the Jenkinsfile, jenkins/steps/ and
 * scripts/test.sh; one line per problem, empty when they agree.
 */
export function checkPipeline(f: PipelineFacts): string[] {
  const problems: string[] = []
  const pipeline = children(f.outline, 'pipeline')[0]
  if (!pipeline) return ['no pipeline { } block']
  const stages = stagesOf(f.outline)
  const names = stages.map((s) => String(s.args[0]))

  const expected = [...f.testStages, 'deploy']
  if (names.join(' ') !== expected.join(' '))
    problems.push(`stages are [${names.join(', ')}]; scripts/test.sh and deploy say [${expected.join(', ')}]`)

  const files = new Set(f.stepFiles)
  for (const name of names)
    if (!files.has(`${name}.sh`)) problems.push(`stage ${name} has no jenkins/steps/${name}.sh`)
  for (const file of f.stepFiles)
    if (!names.includes(file.replace(/\.sh$/, ''))) problems.push(`jenkins/steps/${file} is not a stage`)

  for (const s of stages) {
    const name = String(s.args[0])
    const steps = children(s, 'steps')
    const sh = steps.flatMap((st) => descendants(st, 'sh'))
    const commands = sh.map((c) => c.args[0])
    if (commands.length !== 1 || commands[0] !== stepCommand(name))
      problems.push(`stage ${name} must run exactly '${stepCommand(name)}', runs ${JSON.stringify(commands)}`)
    const otherSteps = steps
      .flatMap((st) => st.body)
      .filter((c) => !['sh', 'withCredentials'].includes(String(c.call)))
    if (otherSteps.length > 0)
      problems.push(`stage ${name} has steps besides its script: ${otherSteps.map((c) => c.call).join(', ')}`)
    if (!hasTimeout(s)) problems.push(`stage ${name} has no options { timeout(...) }`)
  }
  if (!hasTimeout(pipeline)) problems.push('the pipeline has no options { timeout(...) }')

  const deploy = stages.find((s) => s.args[0] === 'deploy')
  const when = deploy ? children(deploy, 'when') : []
  if (!deploy || !JSON.stringify(when).includes('params.DEPLOY_BRANCH'))
    problems.push('the deploy stage must run only on params.DEPLOY_BRANCH (when { expression { ... } })')
  const params = children(pipeline, 'parameters').flatMap((p) => p.body) as OutlineCall[]
  for (const p of ['TOPOLOGY', 'DEPLOY_BRANCH'])
    if (!params.some((c) => c.named?.name === p)) problems.push(`parameter ${p} is missing`)

  const artifact = (stage: string, call: string, pattern: string) => {
    const s = stages.find((x) => x.args[0] === stage)
    const calls = s ? descendants(children(s, 'post'), call) : []
    if (!calls.some((c) => String(c.named.artifacts ?? c.named.testResults ?? '').includes(pattern)))
      problems.push(`stage ${stage} must keep ${pattern} (${call} in its post block)`)
  }
  artifact('test', 'junit', 'reports/junit/*.xml')
  artifact('bench', 'archiveArtifacts', 'reports/bench/*.json')
  artifact('package', 'archiveArtifacts', 'dist/release/*.tar.gz')

  const failure = children(pipeline, 'post').flatMap((p) => children(p, 'failure'))
  if (
    !failure.some((fl) => descendants(fl, 'sh').some((c) => c.args[0] === 'bash jenkins/notify-failure.sh'))
  )
    problems.push("post { failure { ... } } must run 'bash jenkins/notify-failure.sh'")
  return problems
}
