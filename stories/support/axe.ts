// axe-core in the story's real Chromium: rendered colours, so contrast is checked too (jsdom cannot).
import axe from 'axe-core'
import { expect } from 'storybook/test'

/** Expects no axe violation inside `root`; each one found is named with its rule, impact and nodes. */
export async function expectNoAxeViolations(root: Element): Promise<void> {
  const { violations } = await axe.run(root, { resultTypes: ['violations'] })
  const found = violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  )
  await expect(found).toEqual([])
}
