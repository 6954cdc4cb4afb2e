import type { ComponentFactory } from '../component/index.js'
import { KernelComponentIds } from '../component/index.js'

/** Injects a service's validated, frozen configuration into its component host. */
export class ConfigComponent<T> {
  constructor(readonly value: T) {}
}

export function configComponent<T>(value: T): ComponentFactory<ConfigComponent<T>> {
  return {
    typeId: KernelComponentIds.Config,
    name: 'config',
    sortId: -1000,
    create: () => new ConfigComponent(value),
  }
}
