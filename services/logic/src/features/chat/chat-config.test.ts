import { describe, expect, it } from 'vitest'
import { logicConfigSchema } from '../../config.js'

const storage = { url: 'mysql://root@127.0.0.1:3306' }

describe('logic config: slots and chat', () => {
  it('defaults the slot list to this logic alone and takes the chat defaults', () => {
    const c = logicConfigSchema.parse({ storage, logic: { serviceId: 3 } })
    expect(c.logic.slots).toBeUndefined()
    expect(c.chat).toMatchObject({ maxLength: 200, historySize: 20, burst: 5 })
  })

  it('refuses a slot list without this logic’s own service id', () => {
    const r = logicConfigSchema.safeParse({ storage, logic: { serviceId: 3, slots: [1, 2] } })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]).toMatchObject({ path: ['logic', 'slots'] })
    expect(r.error?.issues[0]?.message).toMatch(/serviceId 3 is not in logic.slots \[1, 2\]/)
    expect(logicConfigSchema.safeParse({ storage, logic: { serviceId: 2, slots: [1, 2] } }).success).toBe(
      true,
    )
  })

  it('refuses a misspelt chat key', () => {
    expect(logicConfigSchema.safeParse({ storage, chat: { maxLenght: 10 } }).success).toBe(false)
  })
})
