// Runs in the browser before the stories of each file (after Storybook's own setup files): any
// console.error fails the story during which it was logged, or the next one if it came late.
import { afterAll, afterEach } from 'vitest'

const logged: unknown[][] = []
const original = console.error.bind(console)
console.error = (...args: unknown[]) => {
  logged.push(args)
  original(...args) // still printed
}

function format(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value)
}

function failOnLoggedErrors(when: string): void {
  if (logged.length === 0) return
  const first = logged[0]!.map(format).join(' ')
  const count = logged.length
  logged.length = 0
  throw new Error(`console.error was called ${count} time(s) ${when}. First call: ${first}`)
}

afterEach(async () => {
  // One more turn of the event loop: an error scheduled by the story's last action still counts.
  await new Promise((resolve) => setTimeout(resolve, 0))
  failOnLoggedErrors('during the story (or after the previous one)')
})

afterAll(() => failOnLoggedErrors('after the last story of the file'))
