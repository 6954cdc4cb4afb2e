import { defineError } from '../errors/index.js'

export const ComponentDuplicate = defineError<[string, number, string]>(
  'COMPONENT_DUPLICATE',
  'component %s: type id %d is already registered by %s',
)
export const ComponentMissingDependency = defineError<[string, number]>(
  'COMPONENT_MISSING_DEPENDENCY',
  'component %s depends on type id %d, which is not registered',
)
export const ComponentCycle = defineError<[string]>('COMPONENT_CYCLE', 'component dependency cycle: %s')
export const ComponentPhaseFailed = defineError<[string, string, string]>(
  'COMPONENT_PHASE_FAILED',
  'component %s failed in phase %s: %s',
)
export const ComponentNotFound = defineError<[number]>('COMPONENT_NOT_FOUND', 'no component with type id %d')
export const ComponentHostState = defineError<[string, string]>(
  'COMPONENT_HOST_STATE',
  'cannot %s: component host is %s',
)
