export { type DropListener, type DropReason, Registry } from './registry.js'
export { RegistryComponent, registryComponent } from './registry-component.js'
