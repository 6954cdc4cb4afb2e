import { afterAll, describe, expect, it } from 'vitest'
import { dropDatabases, newDatabase, openCenterDatabase } from '../fixtures/harness.js'
import { IpRulesStore, MAX_IP_RULES } from './ip-rules-store.js'

describe('IpRulesStore (real MariaDB)', () => {
  afterAll(() => dropDatabases())

  it('keeps the lists and a rising version across a reopen (a center restart)', async () => {
    const name = newDatabase()
    const db = await openCenterDatabase(name)
    try {
      const store = new IpRulesStore(db)
      expect(await store.load()).toEqual({ version: 0n, allow: [], deny: [] })
      await store.change({ deny: { add: ['203.0.113.7', '198.51.100.0/24'] } }, 1)
      const v2 = await store.change(
        { deny: { add: [' 2001:db8::/32 '], remove: ['203.0.113.7'] }, allow: { add: ['10.0.0.0/8'] } },
        2,
      )
      expect(v2).toEqual({ version: 2n, allow: ['10.0.0.0/8'], deny: ['198.51.100.0/24', '2001:db8::/32'] })
      // Adding what is there already changes nothing but the version.
      expect((await store.change({ deny: { add: ['198.51.100.0/24'] } }, 3)).deny).toHaveLength(2)
    } finally {
      await db.dispose()
    }
    const again = await openCenterDatabase(name)
    try {
      expect(await new IpRulesStore(again).load()).toEqual({
        version: 3n,
        allow: ['10.0.0.0/8'],
        deny: ['198.51.100.0/24', '2001:db8::/32'],
      })
    } finally {
      await again.dispose()
    }
  })

  it('refuses a bad entry or an oversized list and changes nothing', async () => {
    const db = await openCenterDatabase(newDatabase())
    try {
      const store = new IpRulesStore(db)
      await store.load()
      await expect(store.change({ deny: { add: ['1.2.3.4', '300.1.1.1'] } }, 1)).rejects.toMatchObject({
        code: 'NET_BAD_IP_RULE',
      })
      await expect(store.change({ allow: { remove: ['10.0.0.0/33'] } }, 1)).rejects.toMatchObject({
        code: 'NET_BAD_IP_RULE',
      })
      const many = Array.from(
        { length: MAX_IP_RULES + 1 },
        (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
      )
      await expect(store.change({ deny: { add: many } }, 1)).rejects.toMatchObject({
        code: 'CENTER_BAD_ADMIN_REQUEST',
      })
      expect(await store.load()).toEqual({ version: 0n, allow: [], deny: [] })
    } finally {
      await db.dispose()
    }
  })
})
