import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { DatabaseComponent } from '../db/index.js'
import type { CenterLink } from '../link/index.js'
import type { RegistryComponent } from '../registry/index.js'
import { OwnershipStore } from './ownership-store.js'

/**
 * Ownership epochs as a component: OwnershipClaim and OwnershipRelease on
 * the center link; a claim that displaces an owner tells that owner
 * (OwnershipRevoked on its link). Claims always need the database: an epoch
 * that was not stored is no fence, so while it hangs they fail with
 * CENTER_NO_DATABASE.
 */
export class OwnershipComponent extends BaseComponent<ServiceContext<CenterConfig>> {
  private opened: OwnershipStore | undefined

  get store(): OwnershipStore {
    if (!this.opened) throw new Error('ownership store used before willStartup')
    return this.opened
  }

  init(): void {
    const w = clusterWire
    const proxy = this.host.get<CenterLink>(CenterComponentIds.Link).proxy
    const registry = () => this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
    proxy.handle(w.ownershipClaim, w.ownershipClaimOk, async (m) => {
      const c = await this.store.claim(m.key, m.ownerServiceId)
      if (c.previousOwner !== 0) {
        const link = registry().linkOf(c.previousOwner)
        if (link)
          proxy.sendOn(link, w.ownershipRevoked, { key: m.key, epoch: c.epoch, newOwner: m.ownerServiceId })
      }
      return c
    })
    proxy.handle(w.ownershipRelease, w.ownershipReleaseOk, async (m) => ({
      released: await this.store.release(m.key, m.ownerServiceId, m.epoch),
    }))
  }

  async willStartup(): Promise<void> {
    this.opened = new OwnershipStore(this.host.get<DatabaseComponent>(CenterComponentIds.Database).db)
    await this.opened.prepare()
  }
}

// @component center sort=40
export const ownershipComponent: ComponentFactory<OwnershipComponent, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Ownership,
  name: 'center-ownership',
  dependsOn: [CenterComponentIds.Database, CenterComponentIds.Link, CenterComponentIds.Registry],
  create: (host) => new OwnershipComponent(host),
}
