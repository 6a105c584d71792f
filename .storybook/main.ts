import react from '@vitejs/plugin-react'
import type { StorybookConfig } from '@storybook/react-vite'

const config: StorybookConfig = {
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-docs', '@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: {} },
  // Serves public/mockServiceWorker.js (MSW's generated worker, `npx msw init .storybook/public`)
  // at the site root, in dev, build and the Vitest run.
  staticDirs: ['./public'],
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // The stories document flows, not component props: no docgen pass over the sources.
  typescript: { reactDocgen: false },
  async viteFinal(config) {
    const { mergeConfig } = await import('vite')
    return mergeConfig(config, {
      // The root vite.config.ts only configures the unit tests and has no React plugin of its own.
      plugins: [react()],
      // Pre-bundled up front, so a cold run never re-optimizes and reloads in the middle of a test.
      optimizeDeps: {
        include: ['react-router', '@tanstack/react-query', 'msw', 'msw/browser', 'msw-storybook-addon', 'jose', 'jwt-decode'],
      },
    })
  },
}

export default config
