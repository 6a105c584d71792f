import { createContext, useContext } from 'react'
import type { Decorator } from '@storybook/react-vite'
import { storyEnv, type StoryEnv } from './storyServer'

const StoryEnvContext = createContext<StoryEnv | null>(null)

/** The story's own server and session key, for the components of the story. */
export function useStoryEnv(): StoryEnv {
  const env = useContext(StoryEnvContext)
  if (!env) throw new Error('useStoryEnv() needs the withStoryEnv decorator (see .storybook/preview.tsx).')
  return env
}

export const withStoryEnv: Decorator = (Story, context) => (
  <StoryEnvContext.Provider value={storyEnv(context)}>
    <Story />
  </StoryEnvContext.Provider>
)
