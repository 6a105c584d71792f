// Types of frameworks the docs show but this repository does not install. Only what the
// snippets use, in the shape the framework documents.
declare module 'next/navigation' {
  export function useRouter(): { push(href: string): void; replace(href: string): void; refresh(): void }
}

// `@playwright/test` re-exports the `playwright` package's test runner, which is installed here.
declare module '@playwright/test' {
  export * from 'playwright/test'
}
