// The one hook the faults put into a page: a wrapper around the global `fetch`, holding the faults
// active now as layers, the newest outermost. Each fault adds its layer and removes it in any
// order; the wrapper goes, and the page's own fetch is back, with the last layer (unless something
// wrapped fetch since: then the wrapper stays and passes everything on).

/** One fault: answers itself, or passes the request on with `next`. */
export type FetchLayer = (input: RequestInfo | URL, init: RequestInit | undefined, next: typeof fetch) => Promise<Response>

const layers: FetchLayer[] = []
let original: typeof fetch = globalThis.fetch
let wrapper: typeof fetch | null = null

const through =
  (index: number): typeof fetch =>
  (input, init) =>
    index < 0 ? original(input, init) : layers[index]!(input, init, through(index - 1))

/** Adds `layer` to this tab's fetch; returns the function that takes it out again. */
export function hookFetch(layer: FetchLayer): () => void {
  if (!wrapper || globalThis.fetch !== wrapper) {
    original = globalThis.fetch
    wrapper = (input, init) => through(layers.length - 1)(input, init)
    globalThis.fetch = wrapper
  }
  layers.push(layer)
  return () => {
    const at = layers.indexOf(layer)
    if (at >= 0) layers.splice(at, 1)
    if (layers.length > 0 || globalThis.fetch !== wrapper) return
    globalThis.fetch = original
    wrapper = null
  }
}

/** The URL of a request, whatever form it was given in. */
export const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
