export { OwnershipComponent, ownershipComponent } from './ownership-component.js'
export { type Claim, OwnershipStore } from './ownership-store.js'
