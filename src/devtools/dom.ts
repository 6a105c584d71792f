// Building the panel's nodes. Text goes in as text nodes only (tab names and reasons come from
// other tabs): nothing is parsed as markup.
const SVG = 'http://www.w3.org/2000/svg'

type Child = Node | string | number | null | undefined | false
type Attributes = Record<string, string | number | boolean | null | undefined>

function build<T extends Element>(element: T, attributes: Attributes, children: Child[]): T {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue
    element.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'object' ? child : String(child))
  }
  return element
}

/** An HTML element of the panel's document. */
export const html = <K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => build(doc.createElement(tag), attributes, children)

/** An SVG element. */
export const svg = (doc: Document, tag: string, attributes: Attributes = {}, ...children: Child[]): SVGElement =>
  build(doc.createElementNS(SVG, tag) as SVGElement, attributes, children)

/** "in 4 m 05 s", "12 s ago": a time relative to now, for countdowns. */
export function relative(at: number, now: number): string {
  const ms = at - now
  const total = Math.round(Math.abs(ms) / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const text = hours
    ? `${hours} h ${String(minutes).padStart(2, '0')} m`
    : minutes
      ? `${minutes} m ${String(seconds).padStart(2, '0')} s`
      : `${seconds} s`
  return ms >= 0 ? `in ${text}` : `${text} ago`
}

/** A clock time for labels: 14:03:07. */
export const clock = (at: number): string => new Date(at).toISOString().slice(11, 19)
