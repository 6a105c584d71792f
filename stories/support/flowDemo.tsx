import type { ReactNode } from 'react'
import { DemoApp, RestAuthProvider, StoryLayout } from './app'
import { EventLog, useEventLog } from './eventLog'
import { ServerPanel } from './serverPanel'

/** The usual flow page: the app beside the server panel (with the story's `controls`) and the event log. */
export function FlowDemo({ app = <DemoApp />, controls }: { app?: ReactNode; controls?: ReactNode }) {
  const { events, onEvent } = useEventLog()
  return (
    <RestAuthProvider onEvent={onEvent}>
      <StoryLayout
        app={app}
        side={
          <>
            <ServerPanel>{controls}</ServerPanel>
            <EventLog events={events} />
          </>
        }
      />
    </RestAuthProvider>
  )
}
