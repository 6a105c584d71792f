// One reference auth server per story, served through MSW. The loader creates it before the story
// renders; the MSW handlers (registered for every story in .storybook/preview.tsx) pass each
// intercepted request to the server of the story on screen.
import { http } from 'msw'
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../src/testing/server'

/** What the loader gives every story: its own server and its own session key. */
export type StoryEnv = {
  server: AuthServer
  storageKey: string
}

let active: AuthServer | null = null
let stories = 0

function activeServer(): AuthServer {
  if (!active) throw new Error('No auth server for this story: is authServerLoader in the preview loaders?')
  return active
}

/** Story parameter `authServer`: options for this story's server (short token lifetimes, mostly). */
export type AuthServerParameters = Omit<AuthServerOptions, 'emulateCookies'>

export async function authServerLoader(context: { id: string; parameters: { authServer?: AuthServerParameters } }): Promise<StoryEnv> {
  active = createAuthServer({
    // A few hundred PBKDF2 rounds keep a sign-in instant; the default 100 000 is for real use.
    passwordIterations: 500,
    // Strict rotation: with the default grace window a second use of a token within 30 s is
    // answered with a replay, and the stories' "no reuse" checks would prove nothing.
    refreshGraceWindow: 0,
    ...context.parameters.authServer,
    // Under MSW a mocked response cannot set the HttpOnly fingerprint cookie: the server keeps it.
    emulateCookies: true,
  })
  stories++
  return { server: active, storageKey: `story:${context.id}:${stories}:${Math.random().toString(36).slice(2, 8)}` }
}

const toServer = ({ request }: { request: Request }) => activeServer().handler(request)

/** Every route of the reference server: REST auth, the protected API and the Hasura-style GraphQL endpoint. */
export const authServerHandlers = {
  auth: http.all('*/auth/*', toServer),
  api: http.all('*/api/*', toServer),
  graphql: http.all('*/graphql', toServer),
}

/** Reads the loader's result from a story or play context. */
export function storyEnv(context: { loaded: Record<string, unknown> }): StoryEnv {
  const { server, storageKey } = context.loaded as Partial<StoryEnv>
  if (!server || !storageKey) throw new Error('This story needs authServerLoader (see .storybook/preview.tsx).')
  return { server, storageKey }
}
