import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One alert a Feishu custom bot accepted: the post's title and text lines. */
export interface FeishuPost {
  title: string
  lines: string[]
}

export interface FeishuWebhook {
  /** `http://127.0.0.1:PORT/hook` (the sink allows plain http only to loopback). */
  url: string
  /** Posts accepted so far (signature and format checked as Feishu does). */
  posts: FeishuPost[]
  /** Requests refused for a bad signature or format. */
  refused: number
  close(): Promise<void>
}

/**
 * A local stand-in for a Feishu custom bot with signature verification, for
 * tests of the parts that raise alerts: it checks the signature (HMAC-SHA256
 * keyed with `timestamp + "\n" + secret` over an empty message) and the
 * `post` format, answers like Feishu, and keeps what it accepted.
 */
export async function feishuWebhook(secret: string): Promise<FeishuWebhook> {
  const st = { posts: [] as FeishuPost[], refused: 0 }
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      const answer = (json: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(json))
      }
      let j: Record<string, unknown>
      try {
        j = JSON.parse(body) as Record<string, unknown>
      } catch {
        st.refused++
        return answer({ code: 9499, msg: 'Bad Request' })
      }
      const ts = String(j.timestamp)
      const expected = createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64')
      const post = (j.content as { post?: { zh_cn?: { title: string; content: { text: string }[][] } } })
        ?.post?.zh_cn
      if (j.sign !== expected || j.msg_type !== 'post' || !post) {
        st.refused++
        return answer({ code: 19021, msg: 'sign match fail or timestamp is not within one hour' })
      }
      st.posts.push({ title: post.title, lines: post.content.map((l) => l.map((s) => s.text).join('')) })
      answer({ code: 0, msg: 'success', data: {} })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get posts() {
      return st.posts
    },
    get refused() {
      return st.refused
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
